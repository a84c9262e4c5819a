package io.wsshub.engine;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
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
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The engine of a cluster: every node of it uses one Redis (docs/cluster.md has the keys and scripts). This class
 * is the plumbing its parts share — the command and pub/sub connections, scripts, the probe, the routing of
 * pub/sub messages — and each concern is a part: {@link RedisRooms} (broker and presence), {@link RedisQuotes},
 * {@link RedisLogins}, {@link RedisConnections}, {@link RedisGameStore}.
 *
 * <p>Commands are rejected at once while disconnected (no queue replayed later: a caller gets
 * {@link EngineUnavailable} and its client retries with its clientId, which makes any replay harmless) and time
 * out after {@code commandTimeout}. Lettuce calls back on its Netty threads: deliveries are handed to the
 * caller's executor at once.
 */
public final class RedisEngine implements Engine {

    private static final Logger LOG = Logger.getLogger(RedisEngine.class.getName());

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

    /**
     * How writes are acknowledged: {@code ackReplicas} replicas must confirm a write (WAIT, within
     * {@code ackTimeout}) before its client is answered or anyone sees it (0: as soon as the primary has it);
     * {@code sentinelPassword} for sentinels that have a password of their own (empty: none).
     */
    public record Replication(int ackReplicas, Duration ackTimeout, String sentinelPassword) {
        public static final Replication NONE = new Replication(0, Duration.ofSeconds(1), "");
    }

    private final String node;
    private final RedisURI uri;
    private final RedisAcks acks;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private final ClientResources resources;
    private final RedisClient client;
    private final RedisRooms rooms;
    private final RedisQuotes quotes;
    private final RedisLogins logins;
    private final RedisConnections connections;
    private final SerialExecutor gameEvents;
    private final RedisGameStore games;

    private volatile StatefulRedisConnection<String, String> conn;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    /** The connection of writes that wait for replicas (null without redis.ack.replicas). */
    private volatile StatefulRedisConnection<String, String> acked;
    /** The pub/sub connection dropped and no probe has come back through it since. */
    private volatile boolean pubsubDropped;
    /** The primary the data connections last connected to ("host:port"), to see a failover. */
    private final java.util.concurrent.atomic.AtomicReference<String> primary =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final io.micrometer.core.instrument.Counter failovers =
            io.wsshub.ops.Metrics.counter(io.wsshub.ops.Metrics.ENGINE_FAILOVERS);
    private volatile boolean closed;
    /** When a probe last made the pub/sub round trip within a second (System.nanoTime); 0: never. */
    private volatile long lastProbeOkNanos;
    private ScheduledFuture<?> probeTask;
    private ScheduledFuture<?> leaseTask;
    private ScheduledFuture<?> connectTask;

    public RedisEngine(String node, String uri, String password, int historySize, long historyMaxBytes, int maxRooms,
                       long presenceTtlMillis,
                       int presenceListMax, long keyTtlSeconds, Duration commandTimeout, int requestQueue,
                       Executor executor, ScheduledExecutorService scheduler) {
        this(node, uri, password, historySize, historyMaxBytes, maxRooms, presenceTtlMillis, presenceListMax,
                keyTtlSeconds, commandTimeout, requestQueue, executor, scheduler, Replication.NONE);
    }

    /**
     * @param uri a redis://, rediss:// or redis-sentinel:// URI (the primary is asked of the sentinels at every
     *            connect, so a failover is followed by reconnecting); {@code password} (if not empty) wins over one
     *            in the URI
     */
    public RedisEngine(String node, String uri, String password, int historySize, long historyMaxBytes, int maxRooms,
                       long presenceTtlMillis,
                       int presenceListMax, long keyTtlSeconds, Duration commandTimeout, int requestQueue,
                       Executor executor, ScheduledExecutorService scheduler, Replication replication) {
        this.node = node;
        RedisURI parsed = RedisURI.create(uri);
        if (password != null && !password.isEmpty()) {
            parsed.setAuthentication(password.toCharArray());
        }
        if (!replication.sentinelPassword().isEmpty()) {
            for (RedisURI sentinel : parsed.getSentinels()) {
                sentinel.setAuthentication(replication.sentinelPassword().toCharArray());
            }
        }
        parsed.setTimeout(commandTimeout);
        this.uri = parsed;
        this.acks = replication.ackReplicas() <= 0 ? null : new RedisAcks(replication.ackReplicas(),
                replication.ackTimeout().toMillis(), () -> acked);
        this.executor = executor;
        this.scheduler = scheduler;
        this.rooms = new RedisRooms(this, historySize, historyMaxBytes, maxRooms, presenceTtlMillis, presenceListMax,
                keyTtlSeconds);
        this.quotes = new RedisQuotes(this, node, executor);
        this.logins = new RedisLogins(this, executor);
        this.connections = new RedisConnections(this, presenceTtlMillis, executor);
        this.gameEvents = new SerialExecutor(executor);
        this.games = new RedisGameStore(this, node, presenceTtlMillis);
        // reconnect within 2 s of Redis coming back (the default backs off to 30 s)
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(io.lettuce.core.resource.Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2),
                        2, TimeUnit.MILLISECONDS)).build();
        this.client = RedisClient.create(resources, parsed);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                // while Redis is slow every command waits in this queue until redis.timeout.ms: bounded, a command
                // past it is refused at once (unavailable) instead of holding memory without end
                .requestQueueSize(requestQueue)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
        client.addListener(new io.lettuce.core.RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(io.lettuce.core.RedisChannelHandler<?, ?> c, java.net.SocketAddress address) {
                if (!(c instanceof io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection)) {
                    dataConnected(address);
                }
                if (c == pubsub && pubsubDropped && !closed) { // probe soon: its answer says the channels are back
                    scheduler.schedule(RedisEngine.this::probe, 200, TimeUnit.MILLISECONDS);
                }
            }

            @Override
            public void onRedisDisconnected(io.lettuce.core.RedisChannelHandler<?, ?> c) {
                if (acks != null && c == acked) {
                    acks.dropped();
                }
                if (c == pubsub) {
                    pubsubDropped = true;
                }
            }
        });
    }

    /**
     * A data connection (re)connected: to another address than before, the primary changed (a failover the
     * sentinels made, or an operator pointing the name elsewhere). Each node counts the failovers it went through.
     */
    private void dataConnected(java.net.SocketAddress address) {
        String now = address instanceof java.net.InetSocketAddress a
                ? a.getHostString() + ":" + a.getPort() : String.valueOf(address);
        String before = primary.getAndSet(now);
        if (now.equals(before)) {
            return;
        }
        if (before == null) {
            LOG.info(() -> "redis engine: node " + node + " uses the primary at " + now);
        } else {
            failovers.increment();
            LOG.warning(() -> "redis engine: node " + node + " follows a failover: the primary is now " + now
                    + " (was " + before + ")");
        }
    }

    /** The primary's address as last connected ("host:port"), null before the first connection. */
    public String primary() {
        return primary.get();
    }

    /** Connects (retrying every second until Redis answers) and starts the feed lease. */
    public void start() {
        connect();
        leaseTask = scheduler.scheduleWithFixedDelay(quotes::renewLease, 0, 1, TimeUnit.SECONDS);
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
        CompletableFuture<StatefulRedisConnection<String, String>> a = acks == null
                ? CompletableFuture.completedFuture(null) : client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
        c.thenCombine(p, (cmd, sub) -> new Object[] {cmd, sub}).thenCombine(a, (both, ack) -> {
            @SuppressWarnings("unchecked")
            var cmd = (StatefulRedisConnection<String, String>) both[0];
            @SuppressWarnings("unchecked")
            var sub = (StatefulRedisPubSubConnection<String, String>) both[1];
            connected(cmd, sub, ack);
            return null;
        }).whenComplete((v, failure) -> {
            if (failure != null) {
                c.thenAccept(StatefulRedisConnection::closeAsync);
                p.thenAccept(StatefulRedisPubSubConnection::closeAsync);
                a.thenAccept(x -> {
                    if (x != null) {
                        x.closeAsync();
                    }
                });
                LOG.warning(() -> "redis engine: cannot connect to " + redacted() + ": " + unwrap(failure)
                        + "; retrying");
                if (!closed) {
                    connectTask = scheduler.schedule(this::connect, 1, TimeUnit.SECONDS);
                }
            }
        });
    }

    private synchronized void connected(StatefulRedisConnection<String, String> cmd,
                                        StatefulRedisPubSubConnection<String, String> sub,
                                        StatefulRedisConnection<String, String> ack) {
        if (closed) {
            cmd.closeAsync();
            sub.closeAsync();
            if (ack != null) {
                ack.closeAsync();
            }
            return;
        }
        acked = ack;
        sub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                onMessage(channel, message);
            }
        });
        pubsub = sub;
        conn = cmd;
        LOG.info(() -> "redis engine: node " + node + " connected to " + redacted()
                + (acks == null ? "" : "; writes wait for " + acks.replicas() + " replica(s) (redis.ack.replicas)"));
        sub.async().subscribe(RedisQuotes.CHANNEL, RedisLogins.CHANNEL, RedisConnections.DISCONNECTS, RedisGameStore.EVENTS,
                probeChannel()).thenRun(this::loadShared);
    }

    /** After subscribing: the last quote of every symbol and the logins still revoked. */
    private void loadShared() {
        quotes.load();
        logins.load();
    }

    private void onMessage(String channel, String message) {
        try {
            if (channel.startsWith(RedisRooms.CHANNEL_PREFIX)) {
                rooms.onPubSub(channel.substring(RedisRooms.CHANNEL_PREFIX.length()), message);
            } else if (RedisQuotes.CHANNEL.equals(channel)) {
                quotes.onPubSub(message);
            } else if (channel.equals(probeChannel())) {
                long sent = Long.parseLong(message);
                long now = System.nanoTime();
                if (now - sent < TimeUnit.SECONDS.toNanos(1)) {
                    lastProbeOkNanos = now;
                }
                if (pubsubDropped) {
                    // Lettuce re-subscribes every channel in one go: the probe's is back, so are the rooms'
                    pubsubDropped = false;
                    executor.execute(rooms::resubscribed);
                }
            } else if (RedisGameStore.EVENTS.equals(channel)) {
                gameEvents.execute(() -> games.deliver(message));
            } else if (RedisConnections.DISCONNECTS.equals(channel)) {
                connections.onPubSub(message);
            } else if (RedisLogins.CHANNEL.equals(channel)) {
                logins.onPubSub(message);
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.log(Level.FINE, "redis engine: message on " + channel + " while the application stops", e);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "redis engine: unreadable message on " + channel, e);
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

    // ---- the parts -------------------------------------------------------------------------------------------

    @Override
    public Broker broker() {
        return rooms;
    }

    @Override
    public Presence presence() {
        return rooms;
    }

    @Override
    public ConnectionRegistry connections() {
        return connections;
    }

    @Override
    public QuoteStore quotes() {
        return quotes;
    }

    @Override
    public LoginStore logins() {
        return logins;
    }

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

    /** The executor stages continue on when their work must not run on a Redis I/O thread. */
    Executor executor() {
        return executor;
    }

    /** One command on the pub/sub connection (subscribe, unsubscribe); fails with {@link EngineUnavailable}. */
    <T> CompletionStage<T> pubsub(java.util.function.Function<
            io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands<String, String>, CompletionStage<T>> call) {
        StatefulRedisPubSubConnection<String, String> p = pubsub;
        if (p == null) {
            return unavailable();
        }
        return wrap(() -> call.apply(p.async()));
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
        return eval(conn, s, type, keys, args);
    }

    /** How many replicas confirm a write before it counts (redis.ack.replicas; 0: the primary's answer). */
    int ackReplicas() {
        return acks == null ? 0 : acks.replicas();
    }

    /**
     * A script whose writes count only once {@link #ackReplicas} replicas confirm them: completes after that
     * (with the script's answer), or fails with {@link EngineUnavailable}. Without redis.ack.replicas, as
     * {@link #eval}.
     */
    <T> CompletionStage<T> evalAcked(Script s, ScriptOutputType type, String[] keys, String... args) {
        if (acks == null) {
            return eval(s, type, keys, args);
        }
        return this.<T>eval(acked, s, type, keys, args).thenCompose(r -> {
            long writtenIn = acks.generation(); // answered now: on the connection of this generation
            return acks.confirm(writtenIn).thenApply(v -> r);
        });
    }

    private <T> CompletionStage<T> eval(StatefulRedisConnection<String, String> c, Script s, ScriptOutputType type,
                                        String[] keys, String... args) {
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
        if (!uri.getSentinels().isEmpty()) {
            return "redis-sentinel://" + uri.getSentinels().stream().map(x -> x.getHost() + ":" + x.getPort())
                    .collect(java.util.stream.Collectors.joining(",")) + "/" + uri.getDatabase() + "#"
                    + uri.getSentinelMasterId() + (primary.get() == null ? "" : " (primary " + primary.get() + ")");
        }
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
        StatefulRedisConnection<String, String> a = acked;
        if (p != null) {
            p.close();
        }
        if (a != null) {
            a.close();
        }
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3000);
        LOG.info(() -> "redis engine: node " + node + " closed its connections and threads");
    }

    static String resource(String name) {
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
