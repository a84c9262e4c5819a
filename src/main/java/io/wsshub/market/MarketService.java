package io.wsshub.market;

import io.wsshub.transport.Json;
import io.wsshub.transport.QueueingPeer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Quotes and subscriptions. Each symbol's updates and its subscriber set change under the symbol's monitor,
 * so a subscriber's snapshot and the quotes after it are in seq order; each quote is encoded once and offered
 * to every subscriber, which queues or conflates it without blocking.
 */
@ApplicationScoped
public class MarketService {

    public static final Pattern SYMBOL = Pattern.compile("^[A-Z][A-Z0-9.]{0,11}$");
    public static final String UNKNOWN_SYMBOL = "unknown_symbol";
    public static final String INVALID_SYMBOL = "invalid_symbol";
    public static final String TOO_MANY_SYMBOLS = "too_many_symbols";
    private static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** One symbol's state. Guarded by its own monitor. */
    private static final class Symbol {
        final String name;
        final BigDecimal open;
        BigDecimal price;
        long seq;
        String ts;
        final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();

        Symbol(String name, BigDecimal open) {
            this.name = name;
            this.open = open;
        }

        MarketFrame.QuoteView view() {
            return new MarketFrame.QuoteView(name, price.toPlainString(), price.subtract(open).toPlainString(), seq,
                    ts);
        }
    }

    private final ConcurrentHashMap<String, Symbol> symbols = new ConcurrentHashMap<>();
    private int maxSymbols;
    private int conflateAfter;
    private Clock clock;

    protected MarketService() {
        // for the CDI proxy
    }

    @Inject
    public MarketService(MarketSettings settings, Clock clock) {
        this(settings.maxSymbolsPerConnection(), settings.conflateAfter(), clock);
    }

    MarketService(int maxSymbols, int conflateAfter, Clock clock) {
        this.maxSymbols = maxSymbols;
        this.conflateAfter = conflateAfter;
        this.clock = clock;
    }

    public static boolean validSymbol(String s) {
        return s != null && SYMBOL.matcher(s).matches();
    }

    /** A new market connection. */
    public Subscriber connect(QueueingPeer peer) {
        return new Subscriber(peer, conflateAfter);
    }

    /** Sets a symbol's price (creating it on its first price) and offers the quote to its subscribers. */
    public void update(String name, BigDecimal price) {
        Symbol s = symbols.computeIfAbsent(name, n -> new Symbol(n, price));
        synchronized (s) {
            s.price = price;
            s.seq++;
            s.ts = TS.format(clock.instant());
            String quote = Json.encode(MarketFrame.Quote.of(s.view())); // once for every subscriber
            for (Subscriber sub : s.subscribers) {
                sub.offer(s.name, quote);
            }
        }
    }

    /** The symbol's last price, or null. */
    public BigDecimal price(String name) {
        Symbol s = symbols.get(name);
        if (s == null) {
            return null;
        }
        synchronized (s) {
            return s.price;
        }
    }

    /**
     * Subscribes: a snapshot of the newly subscribed known symbols (possibly empty), then one error per kind of
     * refused symbol (invalid, unknown, over the per-connection limit); the others in the request still
     * subscribe.
     */
    public void subscribe(Subscriber sub, List<String> requested) {
        List<String> invalid = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        List<String> overLimit = new ArrayList<>();
        List<MarketFrame.QuoteView> snapshot = new ArrayList<>();
        sub.hold();
        try {
            for (String name : new LinkedHashSet<>(requested == null ? List.<String>of() : requested)) {
                if (!validSymbol(name)) {
                    invalid.add(name == null ? "null" : name);
                    continue;
                }
                Symbol s = symbols.get(name);
                if (s == null) {
                    unknown.add(name);
                    continue;
                }
                if (sub.has(name)) {
                    continue;
                }
                if (sub.symbolCount() >= maxSymbols) {
                    overLimit.add(name);
                    continue;
                }
                synchronized (s) { // no update between reading the snapshot and starting the quotes
                    sub.add(name);
                    s.subscribers.add(sub);
                    snapshot.add(s.view());
                }
            }
            sub.peer.send(Json.encode(new MarketFrame.Snapshot(snapshot)));
        } finally {
            sub.release();
        }
        error(sub, INVALID_SYMBOL, "symbols must match " + SYMBOL.pattern(), invalid);
        error(sub, UNKNOWN_SYMBOL, "no such symbol", unknown);
        error(sub, TOO_MANY_SYMBOLS, "at most " + maxSymbols + " symbols per connection", overLimit);
    }

    public void unsubscribe(Subscriber sub, List<String> requested) {
        for (String name : requested == null ? List.<String>of() : requested) {
            Symbol s = name == null ? null : symbols.get(name);
            if (s != null) {
                synchronized (s) {
                    s.subscribers.remove(sub);
                    sub.remove(name);
                }
            }
        }
    }

    /** The connection closed. */
    public void disconnect(Subscriber sub) {
        unsubscribe(sub, List.copyOf(sub.symbols()));
    }

    private static void error(Subscriber sub, String code, String message, List<String> symbols) {
        if (!symbols.isEmpty()) {
            sub.peer.send(Json.encode(new MarketFrame.SymbolsError(code, message, List.copyOf(symbols))));
        }
    }
}
