package io.wsshub.engine;

import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The redis engine's view of every node's connections: a sorted set per user (connection entry -> deadline, kept
 * alive by its node) for the cluster-wide per-user cap, and {@value #DISCONNECTS} to close a user's sockets on
 * every node.
 */
final class RedisConnections implements ConnectionRegistry {

    static final String DISCONNECTS = "wsshub:disconnects";

    private final RedisEngine redis;
    private final long ttlMillis;
    private final Executor executor;
    private final RedisEngine.Script admit = RedisEngine.script("admit");
    private final RedisEngine.Script refresh = RedisEngine.script("conns-refresh");
    private volatile Consumer<String> disconnects;

    RedisConnections(RedisEngine redis, long ttlMillis, Executor executor) {
        this.redis = redis;
        this.ttlMillis = ttlMillis;
        this.executor = executor;
    }

    private static String key(String user) {
        return "wsshub:{u:" + user + "}:c";
    }

    @Override
    public CompletionStage<Boolean> admit(String user, String entry, int max) {
        return redis.<Long>eval(admit, ScriptOutputType.INTEGER, new String[] {key(user)}, entry,
                Long.toString(ttlMillis), Integer.toString(max)).thenApply(r -> r == 1);
    }

    @Override
    public void release(String user, String entry) {
        redis.command(c -> c.zrem(key(user), entry)); // if it fails, the entry expires
    }

    @Override
    public CompletionStage<Void> refresh(Map<String, String> entries) {
        if (entries.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<String> keys = new ArrayList<>(entries.size());
        List<String> args = new ArrayList<>(entries.size() + 1);
        args.add(Long.toString(ttlMillis));
        entries.forEach((entry, user) -> {
            keys.add(key(user));
            args.add(entry);
        });
        return redis.<Long>eval(refresh, ScriptOutputType.INTEGER, keys.toArray(String[]::new),
                args.toArray(String[]::new)).thenApply(r -> null);
    }

    @Override
    public void onDisconnect(Consumer<String> l) {
        this.disconnects = l;
    }

    @Override
    public CompletionStage<Void> disconnect(String user) {
        return redis.command(c -> c.publish(DISCONNECTS, user)).thenApply(n -> null);
    }

    /** A user to disconnect (on a Netty thread: handed over at once). */
    void onPubSub(String user) {
        Consumer<String> l = disconnects;
        if (l != null) {
            executor.execute(() -> l.accept(user));
        }
    }
}
