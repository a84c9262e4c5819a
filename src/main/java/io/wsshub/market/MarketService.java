package io.wsshub.market;

import io.wsshub.engine.Engine;
import io.wsshub.engine.QuoteStore;
import io.wsshub.transport.Json;
import io.wsshub.transport.QueueingPeer;
import io.wsshub.transport.Timestamps;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Quotes and subscriptions on this node. A quote is stored and numbered by the {@link Engine} (one seq per
 * symbol across the cluster) and comes back to every node through {@link #onQuote}; there each symbol's newest
 * quote and its subscriber set change under the symbol's monitor, so a subscriber's snapshot and the quotes after
 * it are in seq order. A quote is encoded once and queued (or conflated) for every subscriber under that monitor,
 * and written after it is released.
 */
@ApplicationScoped
public class MarketService {

    private static final java.util.logging.Logger LOG =
            java.util.logging.Logger.getLogger(MarketService.class.getName());

    /** The channel core owns the rule: a market: channel names this symbol. */
    public static final Pattern SYMBOL = io.wsshub.channel.ChannelName.SYMBOL;
    public static final String UNKNOWN_SYMBOL = "unknown_symbol";
    public static final String INVALID_SYMBOL = "invalid_symbol";
    public static final String TOO_MANY_SYMBOLS = "too_many_symbols";

    /** One symbol on this node: created with its first quote, so never visible without a price. */
    private static final class Symbol {
        final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
        /** Guarded by this symbol's monitor. */
        MarketFrame.QuoteView view;
        /** The seq of the newest {@link QuoteStore.Quote#ordered ordered} quote; guarded by the monitor. */
        long orderedSeq;

        Symbol(MarketFrame.QuoteView view, QuoteStore.Quote q) {
            this.view = view;
            this.orderedSeq = q.ordered() ? q.seq() : 0;
        }
    }

    private final ConcurrentHashMap<String, Symbol> symbols = new ConcurrentHashMap<>();
    private int maxSymbols;
    /** market.max.symbols: symbols the market holds at most. */
    private int maxKnown = Integer.MAX_VALUE;
    private int conflateAfter;
    private Engine engine;
    private Clock clock;

    protected MarketService() {
        // for the CDI proxy
    }

    @Inject
    public MarketService(MarketSettings settings, Engine engine, Clock clock) {
        this.maxSymbols = settings.maxSymbolsPerConnection();
        this.maxKnown = settings.maxSymbols();
        this.conflateAfter = settings.conflateAfter();
        this.engine = engine;
        this.clock = clock;
    }

    /** Without a container, and with no cap on the symbols the market holds. */
    MarketService(int maxSymbols, int conflateAfter, Engine engine, Clock clock) {
        this(maxSymbols, Integer.MAX_VALUE, conflateAfter, engine, clock);
    }

    /** Without a container. */
    MarketService(int maxSymbols, int maxKnown, int conflateAfter, Engine engine, Clock clock) {
        this.maxKnown = maxKnown;
        this.maxSymbols = maxSymbols;
        this.conflateAfter = conflateAfter;
        this.engine = engine;
        this.clock = clock;
        engine.quotes().onQuote(this::onQuote);
    }

    @PostConstruct
    void start() {
        engine.quotes().onQuote(this::onQuote);
    }

    /** Created with the application, so the engine's quotes (all symbols, at start) reach it before any client. */
    void eager(@jakarta.enterprise.event.Observes @jakarta.enterprise.context.Initialized(ApplicationScoped.class)
               Object started) {
        // the observer's bean is created to run it, which registers the quote listener
    }

    public static boolean validSymbol(String s) {
        return s != null && SYMBOL.matcher(s).matches();
    }

    /** A new market connection. */
    public Subscriber connect(QueueingPeer peer) {
        return new Subscriber(peer, conflateAfter, false);
    }

    /** The market channels of a /ws connection (created with its first market: subscription). */
    public Subscriber connectChannels(QueueingPeer peer) {
        return new Subscriber(peer, conflateAfter, true);
    }

    /**
     * Subscribes a /ws connection to one symbol's channel: its {@code subscribed} frame (made by
     * {@code welcome} from the current quote) goes out before any quote after it. Subscribing again sends the
     * current quote again. False when the symbol is unknown (nothing subscribed).
     */
    public boolean subscribeChannel(Subscriber sub, String name,
                                    java.util.function.Function<MarketFrame.QuoteView, String> welcome) {
        Symbol s = validSymbol(name) ? symbols.get(name) : null;
        if (s == null) {
            return false;
        }
        MarketFrame.QuoteView view;
        sub.hold(); // quotes wait (conflated) until the welcome is queued: none overtakes it
        try {
            synchronized (s) { // no update between reading the snapshot and starting the quotes
                sub.add(name);
                s.subscribers.add(sub);
                view = s.view;
            }
            sub.peer.send(welcome.apply(view)); // after the monitor: never a write under a lock
        } finally {
            sub.release();
        }
        return true;
    }

    /**
     * Sets a symbol's price (creating it on its first price) on every node; fails with
     * {@link io.wsshub.engine.EngineUnavailable} when the shared store cannot be reached.
     */
    public CompletionStage<QuoteStore.Quote> update(String name, BigDecimal price) {
        Symbol s = symbols.get(name);
        if (s == null && symbols.size() >= maxKnown) {
            return java.util.concurrent.CompletableFuture.failedFuture(new TooManySymbols(maxKnown));
        }
        long seen = 0;
        if (s != null) {
            synchronized (s) {
                seen = s.view.seq();
            }
        }
        return engine.quotes().publishQuote(name, price.toPlainString(), Timestamps.format(clock.millis()), seen);
    }

    /** A quote stored by the engine (from any node): offered to this node's subscribers of the symbol. */
    void onQuote(QuoteStore.Quote q) {
        BigDecimal price = new BigDecimal(q.price());
        MarketFrame.QuoteView view = new MarketFrame.QuoteView(q.symbol(), q.price(),
                price.subtract(new BigDecimal(q.open())).toPlainString(), q.seq(), q.ts());
        boolean[] created = {false};
        Symbol s = symbols.computeIfAbsent(q.symbol(), n -> {
            created[0] = true;
            return new Symbol(view, q);
        });
        if (created[0]) {
            return; // nobody can be subscribed to a symbol that did not exist
        }
        List<Subscriber> toKick = new ArrayList<>();
        synchronized (s) {
            // The store numbers a symbol's quotes in order: an ordered one that does not go up means it lost quotes
            // this node delivered and numbers them again (a node that saw more publishes above them; this one did
            // not). It is the truth now: sent, although its seq is lower, instead of dropped until it passes.
            boolean renumbered = q.ordered() && q.seq() <= s.orderedSeq;
            if (q.ordered()) {
                s.orderedSeq = q.seq();
            }
            if (renumbered) {
                long before = s.view.seq();
                LOG.warning(() -> "quotes of " + q.symbol() + " were numbered again from " + q.seq() + " after "
                        + before + ": the store lost some");
                io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.ENGINE_ROLLBACKS, "market");
            } else if (q.seq() <= s.view.seq()) {
                return; // an older quote overtaken by a newer one: latest wins
            }
            s.view = view;
            String quote = null; // each format encoded once for every subscriber
            String channelQuote = null;
            for (Subscriber sub : s.subscribers) {
                String frame;
                if (sub.channels) {
                    frame = channelQuote == null ? channelQuote = Json.encode(MarketFrame.Quote.of(view, true))
                            : channelQuote;
                } else {
                    frame = quote == null ? quote = Json.encode(MarketFrame.Quote.of(view, false)) : quote;
                }
                if (sub.offer(q.symbol(), frame)) {
                    toKick.add(sub);
                }
            }
        }
        for (Subscriber sub : toKick) { // the writes, after the symbol's monitor is released
            sub.peer.kick();
        }
    }

    /**
     * The symbols among {@code names} that the market does not hold yet, when adding them all would take it past
     * market.max.symbols; else an empty list. Nodes count what they have heard of: nodes creating new symbols at
     * the same moment can take a cluster a few past the cap.
     */
    public List<String> overCap(List<String> names) {
        List<String> fresh = names.stream().distinct().filter(n -> !symbols.containsKey(n)).toList();
        return symbols.size() + fresh.size() > maxKnown ? fresh : List.of();
    }

    public int maxSymbols() {
        return maxKnown;
    }

    /** A new symbol past market.max.symbols: nothing was stored. */
    public static final class TooManySymbols extends RuntimeException {
        TooManySymbols(int max) {
            super("the market holds its " + max + " symbols (market.max.symbols)", null, false, false);
        }
    }

    /** The symbol's last price on this node, or null. */
    public BigDecimal price(String name) {
        Symbol s = symbols.get(name);
        if (s == null) {
            return null;
        }
        synchronized (s) {
            return new BigDecimal(s.view.price());
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
                    snapshot.add(s.view);
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
