package io.wsshub.engine;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The engine of a cluster: every node of it uses one Redis (docs/cluster.md has the keys and scripts).
 *
 * <ul>
 * <li>A message gets its id, goes into the room's stream (entry id = message id, bounded by chat.history.size)
 *     and is published to the room's channel in one Lua script; a repeated clientId is answered from the stream
 *     before an id is consumed.</li>
 * <li>Presence is a hash of entries (one per connection) with a sorted set of deadlines that the owning node keeps
 *     pushing on; a dead node's entries expire and the next script that purges publishes their users' leave.</li>
 * <li>Commands are rejected at once while disconnected (no queue replayed later: a caller gets
 *     {@link EngineUnavailable} and its client retries with its clientId, which makes any replay harmless) and
 *     time out after {@code commandTimeout}.</li>
 * </ul>
 * Lettuce calls back on its Netty threads: deliveries are handed to the caller's executor at once.
 */
public final class RedisEngine implements Engine {

    private static final Logger LOG = Logger.getLogger(RedisEngine.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String QUOTES = "wsshub:quotes";
    static final String LOGOUTS = "wsshub:logouts";
    static final String DISCONNECTS = "wsshub:disconnects";
    static final String SYMBOLS = "wsshub:symbols";
    static final String LEASE = "wsshub:feed-lease";
    private static final long LOGOUT_KEEP_SECONDS = TimeUnit.HOURS.toSeconds(24);

    /** A Lua script: sent by its SHA1, and in full once when Redis does not know it (after a restart). */
    static final class Script {
        final String name;
        final String body;
        final String sha;
        final io.wsshub.ops.Metrics.Histogram latency;

        Script(String name, String body) {
            this.name = name;
            this.body = body;
            this.sha = sha1(body);
            this.latency = io.wsshub.ops.Metrics.histogram(io.wsshub.ops.Metrics.ENGINE_LATENCY, name);
        }
    }

    private final String node;
    private final RedisURI uri;
    private final int historySize;
    private final long presenceTtlMillis;
    private final long keyTtlSeconds;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private final ClientResources resources;
    private final RedisClient client;
    private final Script join;
    private final Script publish;
    private final Script leave;
    private final Script refresh;
    private final Script quote;
    private final Script lease;
    private final Script logout;
    private final Script admit;
    private final Script connsRefresh;
    private final SerialExecutor marketEvents;
    private final SerialExecutor gameEvents;
    private final RedisGameStore games;

    private volatile StatefulRedisConnection<String, String> conn;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    private volatile RoomListener roomListener;
    private volatile Consumer<Quote> quoteListener;
    private volatile Consumer<String> logoutListener;
    private volatile Consumer<String> disconnectListener;
    private volatile boolean closed;
    private volatile long leaseUntilNanos;
    /** When a probe last made the pub/sub round trip within a second (System.nanoTime); 0: never. */
    private volatile long lastProbeOkNanos;
    private ScheduledFuture<?> probeTask;
    private ScheduledFuture<?> leaseTask;
    private ScheduledFuture<?> connectTask;

    /**
     * @param uri a redis:// or rediss:// URI; {@code password} (if not empty) wins over one in the URI
     */
    public RedisEngine(String node, String uri, String password, int historySize, long presenceTtlMillis,
                       long keyTtlSeconds, Duration commandTimeout, Executor executor,
                       ScheduledExecutorService scheduler) {
        this.node = node;
        RedisURI parsed = RedisURI.create(uri);
        if (password != null && !password.isEmpty()) {
            parsed.setAuthentication(password.toCharArray());
        }
        parsed.setTimeout(commandTimeout);
        this.uri = parsed;
        this.historySize = historySize;
        this.presenceTtlMillis = presenceTtlMillis;
        this.keyTtlSeconds = keyTtlSeconds;
        this.executor = executor;
        this.scheduler = scheduler;
        this.marketEvents = new SerialExecutor(executor);
        this.gameEvents = new SerialExecutor(executor);
        this.games = new RedisGameStore(this, node, presenceTtlMillis);
        String lib = resource("room-lib.lua");
        this.join = new Script("join", lib + resource("join.lua"));
        this.publish = new Script("publish", lib + resource("publish.lua"));
        this.leave = new Script("leave", lib + resource("leave.lua"));
        this.refresh = new Script("refresh", lib + resource("refresh.lua"));
        this.quote = new Script("quote", resource("quote.lua"));
        this.lease = new Script("lease", resource("lease.lua"));
        this.logout = new Script("logout", resource("logout.lua"));
        this.admit = new Script("admit", resource("admit.lua"));
        this.connsRefresh = new Script("conns-refresh", resource("conns-refresh.lua"));
        // reconnect within 2 s of Redis coming back (the default backs off to 30 s)
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(io.lettuce.core.resource.Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2),
                        2, TimeUnit.MILLISECONDS)).build();
        this.client = RedisClient.create(resources, parsed);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
    }

    /** Connects (retrying every second until Redis answers) and starts the feed lease. */
    public void start() {
        connect();
        leaseTask = scheduler.scheduleWithFixedDelay(this::renewLease, 0, 1, TimeUnit.SECONDS);
        probeTask = scheduler.scheduleWithFixedDelay(this::probe, 0, 2, TimeUnit.SECONDS);
    }

    private synchronized void connect() {
        if (closed || conn != null) {
            return;
        }
        CompletableFuture<StatefulRedisConnection<String, String>> c =
                client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
        CompletableFuture<StatefulRedisPubSubConnection<String, String>> p =
                client.connectPubSubAsync(StringCodec.UTF8, uri).toCompletableFuture();
        c.thenCombine(p, (cmd, sub) -> {
            connected(cmd, sub);
            return null;
        }).whenComplete((v, failure) -> {
            if (failure != null) {
                c.thenAccept(StatefulRedisConnection::closeAsync);
                p.thenAccept(StatefulRedisPubSubConnection::closeAsync);
                LOG.warning(() -> "redis engine: cannot connect to " + redacted() + ": " + unwrap(failure)
                        + "; retrying");
                if (!closed) {
                    connectTask = scheduler.schedule(this::connect, 1, TimeUnit.SECONDS);
                }
            }
        });
    }

    private synchronized void connected(StatefulRedisConnection<String, String> cmd,
                                        StatefulRedisPubSubConnection<String, String> sub) {
        if (closed) {
            cmd.closeAsync();
            sub.closeAsync();
            return;
        }
        sub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                onMessage(channel, message);
            }
        });
        pubsub = sub;
        conn = cmd;
        LOG.info(() -> "redis engine: node " + node + " connected to " + redacted());
        sub.async().subscribe(QUOTES, LOGOUTS, DISCONNECTS, RedisGameStore.EVENTS, probeChannel()).thenRun(this::loadShared);
    }

    /** After subscribing: the last quote of every symbol and the logins still revoked. */
    private void loadShared() {
        var cmd = conn.async();
        cmd.smembers(SYMBOLS).thenAccept(symbols -> {
            for (String s : symbols) {
                cmd.hgetall(quoteKey(s)).thenAccept(h -> {
                    if (h.containsKey("seq")) {
                        Quote q = new Quote(s, h.get("price"), h.get("open"), Long.parseLong(h.get("seq")),
                                h.get("ts"));
                        marketEvents.execute(() -> deliverQuote(q));
                    }
                });
            }
        });
        scanRevoked(ScanCursor.INITIAL);
    }

    private void scanRevoked(ScanCursor cursor) {
        conn.async().scan(cursor, ScanArgs.Builder.matches("wsshub:revoked:*").limit(500)).thenAccept(page -> {
            Consumer<String> l = logoutListener;
            for (String key : page.getKeys()) {
                if (l != null) {
                    l.accept(key.substring("wsshub:revoked:".length()));
                }
            }
            if (!page.isFinished()) {
                scanRevoked(page);
            }
        });
    }

    private void onMessage(String channel, String message) {
        try {
            if (channel.startsWith("wsshub:room:")) {
                onRoomMessage(channel.substring("wsshub:room:".length()), message);
            } else if (QUOTES.equals(channel)) {
                String[] f = message.split("\n", 5);
                Quote q = new Quote(f[0], f[1], f[2], Long.parseLong(f[3]), f[4]);
                marketEvents.execute(() -> deliverQuote(q));
            } else if (channel.equals(probeChannel())) {
                long sent = Long.parseLong(message);
                long now = System.nanoTime();
                if (now - sent < TimeUnit.SECONDS.toNanos(1)) {
                    lastProbeOkNanos = now;
                }
            } else if (RedisGameStore.EVENTS.equals(channel)) {
                gameEvents.execute(() -> games.deliver(message));
            } else if (DISCONNECTS.equals(channel)) {
                Consumer<String> l = disconnectListener;
                if (l != null) {
                    executor.execute(() -> l.accept(message));
                }
            } else if (LOGOUTS.equals(channel)) {
                Consumer<String> l = logoutListener;
                if (l != null) {
                    executor.execute(() -> l.accept(message));
                }
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.log(Level.FINE, "redis engine: message on " + channel + " while the application stops", e);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "redis engine: unreadable message on " + channel, e);
        }
    }

    private void onRoomMessage(String room, String message) {
        RoomListener l = roomListener;
        if (l == null) {
            return;
        }
        if (message.startsWith("m\n")) {
            // m, epoch, id, from, clientId, ts, text (last: it may contain newlines)
            String[] f = message.split("\n", 7);
            l.message(room, f[1], new StoredMessage(Long.parseLong(f[2]), f[3], f[6], f[5],
                    f[4].isEmpty() ? null : f[4]));
        } else if (message.startsWith("p\n")) {
            // p, epoch, pv, event, user, members...
            String[] f = message.split("\n");
            l.presence(room, f[1], Long.parseLong(f[2]), f[3], f[4], List.of(Arrays.copyOfRange(f, 5, f.length)));
        }
    }

    private void deliverQuote(Quote q) {
        Consumer<Quote> l = quoteListener;
        if (l != null) {
            l.accept(q);
        }
    }

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public String node() {
        return node;
    }

    private String probeChannel() {
        return "wsshub:probe:" + node;
    }

    /**
     * A PING on the command connection, then a probe message published to this node's own probe channel: a
     * pub/sub connection that went silent (it looks open but delivers nothing) fails the probe, which a plain
     * isOpen() would not see.
     */
    private void probe() {
        StatefulRedisConnection<String, String> c = conn;
        if (c == null) {
            return;
        }
        String sent = Long.toString(System.nanoTime());
        wrap(() -> c.async().ping()).thenCompose(pong -> wrap(() -> c.async().publish(probeChannel(), sent)));
    }

    /** Commands and pub/sub both answered within the last few seconds (a probe every 2 s, each within 1 s). */
    @Override
    public boolean up() {
        StatefulRedisConnection<String, String> c = conn;
        StatefulRedisPubSubConnection<String, String> p = pubsub;
        long ok = lastProbeOkNanos;
        return c != null && c.isOpen() && p != null && p.isOpen() && ok != 0
                && System.nanoTime() - ok < TimeUnit.SECONDS.toNanos(5);
    }

    // ---- chat ------------------------------------------------------------------------------------------------

    private static String channel(String room) {
        return "wsshub:room:" + room;
    }

    /** The room's keys; one hash tag, so a script's keys share a slot. */
    private static String[] keys(String room) {
        String p = "wsshub:{r:" + room + "}:";
        return new String[] {p + "m", p + "h", p + "d", p + "p", p + "x", p + "u"};
    }

    private static String newEpoch() {
        return Long.toString(RANDOM.nextLong() >>> 16, 36);
    }

    @Override
    public void onRoom(RoomListener listener) {
        this.roomListener = listener;
    }

    @Override
    public CompletionStage<Void> subscribe(String room) {
        StatefulRedisPubSubConnection<String, String> p = pubsub;
        if (p == null) {
            return unavailable();
        }
        return wrap(() -> p.async().subscribe(channel(room)));
    }

    @Override
    public void unsubscribe(String room) {
        StatefulRedisPubSubConnection<String, String> p = pubsub;
        if (p != null) {
            wrap(() -> p.async().unsubscribe(channel(room)));
        }
    }

    @Override
    public CompletionStage<Joined> join(String room, String entry, String user, long since, String epoch,
                                        int welcome) {
        return this.<List<Object>>eval(join, ScriptOutputType.MULTI, keys(room), channel(room), newEpoch(), entry,
                user, Long.toString(presenceTtlMillis), Long.toString(since), epoch == null ? "" : epoch,
                Integer.toString(welcome), Long.toString(keyTtlSeconds)).thenApply(r -> {
                    long recovered = (Long) r.get(3);
                    @SuppressWarnings("unchecked")
                    List<String> members = (List<String>) r.get(4);
                    return new Joined((String) r.get(0), (Long) r.get(1), (Long) r.get(2), List.copyOf(members),
                            entries(r.get(5)), recovered < 0 ? null : recovered == 1);
                });
    }

    @Override
    public CompletionStage<Void> leave(String room, String entry, String user) {
        return this.<Long>eval(leave, ScriptOutputType.INTEGER, keys(room), channel(room), entry,
                Long.toString(keyTtlSeconds)).thenApply(r -> null);
    }

    @Override
    public CompletionStage<Void> refresh(String room, Map<String, String> entries) {
        List<String> args = new ArrayList<>();
        args.add(channel(room));
        args.add(Long.toString(presenceTtlMillis));
        args.add(Long.toString(keyTtlSeconds));
        entries.forEach((entry, user) -> {
            args.add(entry);
            args.add(user);
        });
        return this.<Long>eval(refresh, ScriptOutputType.INTEGER, keys(room), args.toArray(String[]::new))
                .thenApply(r -> null);
    }

    @Override
    public CompletionStage<Published> publish(String room, String user, String text, String ts, String clientId) {
        return this.<List<Object>>eval(publish, ScriptOutputType.MULTI, keys(room), channel(room), newEpoch(), user,
                clientId == null ? "" : clientId, text, ts, Integer.toString(historySize),
                Long.toString(keyTtlSeconds)).thenApply(r -> new Published((String) r.get(0),
                        entry(r.get(2)), (Long) r.get(1) == 1));
    }

    @Override
    public CompletionStage<List<StoredMessage>> range(String room, long after, long upTo) {
        StatefulRedisConnection<String, String> c = conn;
        if (c == null) {
            return unavailable();
        }
        return wrap(() -> c.async().xrange(keys(room)[1],
                io.lettuce.core.Range.create((after + 1) + "-0", upTo + "-0"))).thenApply(list -> {
                    List<StoredMessage> out = new ArrayList<>(list.size());
                    for (var m : list) {
                        out.add(message(m.getId(), m.getBody()));
                    }
                    return out;
                });
    }

    @Override
    public CompletionStage<Position> position(String room) {
        StatefulRedisConnection<String, String> c = conn;
        if (c == null) {
            return unavailable();
        }
        return wrap(() -> c.async().hmget(keys(room)[0], "e", "s")).thenApply(kv -> {
            String e = kv.get(0).getValueOrElse(null);
            String s = kv.get(1).getValueOrElse("0");
            return new Position(e, Long.parseLong(s));
        });
    }

    /** Two commands pipelined on the one connection: the meta hash, then the page (COUNT bounds the read). */
    @Override
    public CompletionStage<History> history(String room, long after, int limit) {
        StatefulRedisConnection<String, String> c = conn;
        if (c == null) {
            return unavailable();
        }
        String[] k = keys(room);
        CompletionStage<List<io.lettuce.core.KeyValue<String, String>>> meta = wrap(() -> c.async().hmget(k[0], "e", "s"));
        CompletionStage<List<io.lettuce.core.StreamMessage<String, String>>> page = wrap(() -> c.async().xrange(k[1],
                io.lettuce.core.Range.create((after + 1) + "-0", "+"), io.lettuce.core.Limit.from(limit)));
        return meta.thenCombine(page, (kv, list) -> {
            List<StoredMessage> out = new ArrayList<>(list.size());
            for (var m : list) {
                out.add(message(m.getId(), m.getBody()));
            }
            String e = kv.get(0).getValueOrElse(null);
            return new History(e, Long.parseLong(kv.get(1).getValueOrElse("0")), e == null ? List.of() : out);
        });
    }

    @Override
    public CompletionStage<List<String>> members(String room) {
        StatefulRedisConnection<String, String> c = conn;
        if (c == null) {
            return unavailable();
        }
        return wrap(() -> c.async().hkeys(keys(room)[5])).thenApply(users -> users.stream().sorted().toList());
    }

    @SuppressWarnings("unchecked")
    private static List<StoredMessage> entries(Object reply) {
        List<StoredMessage> out = new ArrayList<>();
        for (Object e : (List<Object>) reply) {
            out.add(entry(e));
        }
        return out;
    }

    /** A stream entry as a script returns it: {id, {field, value, ...}}. */
    @SuppressWarnings("unchecked")
    private static StoredMessage entry(Object reply) {
        List<Object> e = (List<Object>) reply;
        List<Object> kv = (List<Object>) e.get(1);
        Map<String, String> body = new java.util.HashMap<>();
        for (int i = 0; i + 1 < kv.size(); i += 2) {
            body.put((String) kv.get(i), (String) kv.get(i + 1));
        }
        return message((String) e.get(0), body);
    }

    private static StoredMessage message(String streamId, Map<String, String> body) {
        long id = Long.parseLong(streamId.substring(0, streamId.indexOf('-')));
        String c = body.get("c");
        return new StoredMessage(id, body.get("f"), body.get("t"), body.get("ts"), c == null || c.isEmpty() ? null : c);
    }

    // ---- connections ----------------------------------------------------------------------------------------

    private static String connectionsKey(String user) {
        return "wsshub:{u:" + user + "}:c";
    }

    @Override
    public CompletionStage<Boolean> admit(String user, String entry, int max) {
        return this.<Long>eval(admit, ScriptOutputType.INTEGER, new String[] {connectionsKey(user)}, entry,
                Long.toString(presenceTtlMillis), Integer.toString(max)).thenApply(r -> r == 1);
    }

    @Override
    public void release(String user, String entry) {
        StatefulRedisConnection<String, String> c = conn;
        if (c != null) {
            wrap(() -> c.async().zrem(connectionsKey(user), entry)); // if it fails, the entry expires
        }
    }

    @Override
    public CompletionStage<Void> refreshConnections(Map<String, String> entries) {
        if (entries.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<String> keys = new ArrayList<>(entries.size());
        List<String> args = new ArrayList<>(entries.size() + 1);
        args.add(Long.toString(presenceTtlMillis));
        entries.forEach((entry, user) -> {
            keys.add(connectionsKey(user));
            args.add(entry);
        });
        return this.<Long>eval(connsRefresh, ScriptOutputType.INTEGER, keys.toArray(String[]::new),
                args.toArray(String[]::new)).thenApply(r -> null);
    }

    // ---- market ----------------------------------------------------------------------------------------------

    private static String quoteKey(String symbol) {
        return "wsshub:quote:" + symbol;
    }

    @Override
    public void onQuote(Consumer<Quote> listener) {
        this.quoteListener = listener;
        if (conn != null) {
            loadShared(); // connected before the listener came: it still gets the last quotes
        }
    }

    @Override
    public CompletionStage<Quote> publishQuote(String symbol, String price, String ts) {
        return this.<List<Object>>eval(quote, ScriptOutputType.MULTI, new String[] {quoteKey(symbol), SYMBOLS},
                symbol, price, ts, QUOTES).thenApply(r -> new Quote(symbol, price, (String) r.get(1), (Long) r.get(0),
                        ts));
    }

    @Override
    public boolean holdsFeedLease() {
        return System.nanoTime() - leaseUntilNanos < 0;
    }

    /** The lease lives 3 s and is renewed every second; a node that cannot renew stops feeding before it expires. */
    private void renewLease() {
        long asked = System.nanoTime();
        this.<Long>eval(lease, ScriptOutputType.INTEGER, new String[] {LEASE}, node, "3000").whenComplete((r, e) -> {
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

    // ---- logins ----------------------------------------------------------------------------------------------

    @Override
    public void onLogout(Consumer<String> listener) {
        this.logoutListener = listener;
        if (conn != null) {
            scanRevoked(ScanCursor.INITIAL);
        }
    }

    @Override
    public CompletionStage<Void> logout(String tokenHash) {
        return this.<Long>eval(logout, ScriptOutputType.INTEGER, new String[] {"wsshub:revoked:" + tokenHash},
                tokenHash, Long.toString(LOGOUT_KEEP_SECONDS), LOGOUTS).thenApply(r -> null);
    }

    @Override
    public void onDisconnect(Consumer<String> listener) {
        this.disconnectListener = listener;
    }

    @Override
    public CompletionStage<Void> disconnect(String user) {
        StatefulRedisConnection<String, String> c = conn;
        if (c == null) {
            return unavailable();
        }
        return wrap(() -> c.async().publish(DISCONNECTS, user)).thenApply(n -> null);
    }

    // ---- games -----------------------------------------------------------------------------------------------

    @Override
    public GameStore games() {
        return games;
    }

    // ---- plumbing --------------------------------------------------------------------------------------------

    static Script script(String name) {
        return script(name, name);
    }

    /** The script in {@code file}.lua, measured under {@code name} (one script body serving two uses). */
    static Script script(String name, String file) {
        return new Script(name, resource(file + ".lua"));
    }

    /** One command on the command connection; fails with {@link EngineUnavailable}. */
    <T> CompletionStage<T> command(java.util.function.Function<io.lettuce.core.api.async.RedisAsyncCommands<String,
            String>, CompletionStage<T>> call) {
        StatefulRedisConnection<String, String> c = conn;
        if (c == null) {
            return unavailable();
        }
        return wrap(() -> call.apply(c.async()));
    }

    <T> CompletionStage<T> eval(Script s, ScriptOutputType type, String[] keys, String... args) {
        StatefulRedisConnection<String, String> c = conn;
        if (c == null) {
            return unavailable();
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        long t0 = System.nanoTime();
        out.whenComplete((r, e) -> s.latency.observe((System.nanoTime() - t0) / 1e9));
        CompletionStage<T> bySha = wrapRaw(() -> c.async().evalsha(s.sha, type, keys, args));
        bySha.whenComplete((r, e) -> {
            if (e == null) {
                out.complete(r);
            } else if (unwrap(e) instanceof RedisNoScriptException) { // Redis restarted: send the body once
                CompletionStage<T> full = wrapRaw(() -> c.async().eval(s.body, type, keys, args));
                full.whenComplete((r2, e2) -> {
                    if (e2 == null) {
                        out.complete(r2);
                    } else {
                        out.completeExceptionally(unavailable(e2));
                    }
                });
            } else {
                out.completeExceptionally(unavailable(e));
            }
        });
        return out;
    }

    private interface Call<T> {
        CompletionStage<T> call();
    }

    /** A command's stage, failing with {@link EngineUnavailable} for any failure. */
    private static <T> CompletionStage<T> wrap(Call<T> call) {
        CompletableFuture<T> out = new CompletableFuture<>();
        wrapRaw(call).whenComplete((r, e) -> {
            if (e == null) {
                out.complete(r);
            } else {
                out.completeExceptionally(unavailable(e));
            }
        });
        return out;
    }

    private static <T> CompletionStage<T> wrapRaw(Call<T> call) {
        try {
            return call.call();
        } catch (RuntimeException e) { // rejected while disconnected
            return CompletableFuture.failedFuture(e);
        }
    }

    private static EngineUnavailable unavailable(Throwable e) {
        Throwable cause = unwrap(e);
        return cause instanceof EngineUnavailable u ? u : new EngineUnavailable("redis: " + cause.getMessage(), cause);
    }

    private static <T> CompletionStage<T> unavailable() {
        return CompletableFuture.failedFuture(new EngineUnavailable("redis: not connected"));
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private String redacted() {
        return (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort() + "/" + uri.getDatabase();
    }

    @Override
    public void close() {
        closed = true;
        if (leaseTask != null) {
            leaseTask.cancel(false);
        }
        if (probeTask != null) {
            probeTask.cancel(false);
        }
        if (connectTask != null) {
            connectTask.cancel(false);
        }
        StatefulRedisPubSubConnection<String, String> p = pubsub;
        StatefulRedisConnection<String, String> c = conn;
        if (p != null) {
            p.close();
        }
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3000);
        LOG.info(() -> "redis engine: node " + node + " closed its connections and threads");
    }

    private static String resource(String name) {
        try (InputStream in = RedisEngine.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha1(String s) {
        try {
            return java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
