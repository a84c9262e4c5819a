package io.wsshub.engine;

import io.lettuce.core.ScriptOutputType;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The redis engine's quotes: one seq per symbol ({@code quote.lua}), published on {@value #CHANNEL} to every
 * node, the last quote of each symbol loaded at connect, and the lease on the simulated feed (one node runs it).
 */
final class RedisQuotes implements QuoteStore {

    private static final Logger LOG = Logger.getLogger(RedisQuotes.class.getName());
    static final String CHANNEL = "wsshub:quotes";
    static final String SYMBOLS = "wsshub:symbols";
    static final String LEASE = "wsshub:feed-lease";

    private final RedisEngine redis;
    private final String node;
    private final RedisEngine.Script quote = RedisEngine.script("quote");
    private final RedisEngine.Script commit = RedisEngine.script("quote-commit");
    private final RedisEngine.Script lease = RedisEngine.script("lease");
    /** Quotes reach the listener in the order they arrive. */
    private final SerialExecutor events;
    private volatile Consumer<Quote> listener;
    private volatile long leaseUntilNanos;

    RedisQuotes(RedisEngine redis, String node, Executor executor) {
        this.redis = redis;
        this.node = node;
        this.events = new SerialExecutor(executor);
    }

    private static String key(String symbol) {
        return "wsshub:quote:" + symbol;
    }

    @Override
    public void onQuote(Consumer<Quote> l) {
        this.listener = l;
        load(); // connected before the listener came: it still gets the last quotes (fails quietly otherwise)
    }

    /**
     * With redis.ack.replicas the quote is stored held, and published (quote-commit.lua) only once replicas confirm
     * it: no node shows a quote a failover could take back.
     */
    @Override
    public CompletionStage<Quote> publishQuote(String symbol, String price, String ts, long seen) {
        boolean hold = redis.ackReplicas() > 0;
        String[] keys = {key(symbol), SYMBOLS};
        String[] args = {symbol, price, ts, CHANNEL, Long.toString(seen), hold ? "1" : ""};
        CompletionStage<Quote> stored = redis.<List<Object>>evalAcked(quote, ScriptOutputType.MULTI, keys, args)
                .thenApply(r -> {
                    long seq = (Long) r.get(0);
                    if ((Long) r.get(2) == 1) {
                        LOG.warning(() -> "redis engine: the store had lost quotes of " + symbol + " this node saw up "
                                + "to seq " + seen + ": it goes on at " + seq);
                        io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.ENGINE_ROLLBACKS, "market");
                    }
                    return new Quote(symbol, price, (String) r.get(1), seq, ts, false);
                });
        if (!hold) {
            return stored;
        }
        return stored.thenCompose(q -> redis.<Long>eval(commit, ScriptOutputType.INTEGER, new String[] {key(symbol)},
                String.join("\n", q.symbol(), q.price(), q.open(), Long.toString(q.seq()), q.ts()),
                Long.toString(q.seq()), CHANNEL).thenApply(n -> q));
    }

    @Override
    public boolean holdsFeedLease() {
        return System.nanoTime() - leaseUntilNanos < 0;
    }

    /** The lease lives 3 s and is renewed every second; a node that cannot renew stops feeding before it expires. */
    void renewLease() {
        long asked = System.nanoTime();
        redis.<Long>eval(lease, ScriptOutputType.INTEGER, new String[] {LEASE}, node, "3000").whenComplete((r, e) -> {
            if (e == null && r == 1) {
                if (!holdsFeedLease()) {
                    LOG.info(() -> "redis engine: node " + node + " runs the simulated feed");
                }
                leaseUntilNanos = asked + TimeUnit.MILLISECONDS.toNanos(2500);
            } else {
                leaseUntilNanos = asked;
            }
        });
    }

    /** The last quote of every known symbol (at connect). */
    void load() {
        redis.command(c -> c.smembers(SYMBOLS)).thenAccept(symbols -> {
            for (String s : symbols) {
                redis.command(c -> c.hgetall(key(s))).thenAccept(h -> {
                    if (h.containsKey("seq")) {
                        Quote q = new Quote(s, h.get("price"), h.get("open"), Long.parseLong(h.get("seq")),
                                h.get("ts"), false); // read beside the pub/sub connection: in no order with it
                        events.execute(() -> deliver(q));
                    }
                });
            }
        });
    }

    /** symbol, price, open, seq, ts (on a Netty thread: handed over at once). */
    void onPubSub(String message) {
        String[] f = message.split("\n", 5);
        Quote q = new Quote(f[0], f[1], f[2], Long.parseLong(f[3]), f[4], true);
        events.execute(() -> deliver(q));
    }

    private void deliver(Quote q) {
        Consumer<Quote> l = listener;
        if (l != null) {
            l.accept(q);
        }
    }
}
