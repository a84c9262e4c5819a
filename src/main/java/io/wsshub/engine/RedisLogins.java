package io.wsshub.engine;

import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The redis engine's logged-out logins: a key per revoked cookie hash (kept as long as a login cookie can live),
 * announced on {@value #CHANNEL}; a node that connects scans the keys, so it knows the revocations made before it
 * came.
 */
final class RedisLogins implements LoginStore {

    static final String CHANNEL = "wsshub:logouts";
    private static final String PREFIX = "wsshub:revoked:";

    private final RedisEngine redis;
    private final Executor executor;
    private final RedisEngine.Script logout = RedisEngine.script("logout");
    private volatile Consumer<String> listener;

    RedisLogins(RedisEngine redis, Executor executor) {
        this.redis = redis;
        this.executor = executor;
    }

    @Override
    public void onLogout(Consumer<String> l) {
        this.listener = l;
        load();
    }

    @Override
    public CompletionStage<Void> logout(String tokenHash, long keepSeconds) {
        // answered once replicas have it (redis.ack.replicas): a failover cannot bring the login back
        return redis.<Long>evalAcked(logout, ScriptOutputType.INTEGER, new String[] {PREFIX + tokenHash},
                tokenHash, Long.toString(keepSeconds), CHANNEL).thenApply(r -> null);
    }

    /** The logins still revoked (at connect, and when the listener comes). */
    void load() {
        scan(ScanCursor.INITIAL);
    }

    private void scan(ScanCursor cursor) {
        redis.command(c -> c.scan(cursor, ScanArgs.Builder.matches(PREFIX + "*").limit(500))).thenAccept(page -> {
            Consumer<String> l = listener;
            for (String key : page.getKeys()) {
                if (l != null) {
                    l.accept(key.substring(PREFIX.length()));
                }
            }
            if (!page.isFinished()) {
                scan(page);
            }
        });
    }

    /** A revoked cookie hash (on a Netty thread: handed over at once). */
    void onPubSub(String message) {
        Consumer<String> l = listener;
        if (l != null) {
            executor.execute(() -> l.accept(message));
        }
    }
}
