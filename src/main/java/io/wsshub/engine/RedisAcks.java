package io.wsshub.engine;

import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Writes acknowledged only once {@code redis.ack.replicas} replicas confirm them (docs/cluster.md, "High
 * availability: Sentinel and acknowledged writes"). They run on a connection of their own, because WAIT covers only the writes of the connection
 * it is sent on and holds that connection until it returns: reads, presence and the probe on the command connection
 * never wait behind it.
 *
 * <p>Group commit: at most one WAIT is in flight; every write whose reply arrives meanwhile is covered by the next
 * one (sent after it on the same connection, so it covers it). Under load one WAIT confirms many writes.
 *
 * <p>A WAIT that returns after the connection was re-established (a failover: the new primary has none of this
 * connection's writes, and WAIT from a connection that wrote nothing returns at once) confirms nothing: each write
 * remembers the connection's generation when it was answered, and only a WAIT on that same generation confirms it.
 */
final class RedisAcks {

    private record Pending(CompletableFuture<Void> done, long generation) {
    }

    private final int replicas;
    private final long timeoutMillis;
    private final Supplier<StatefulRedisConnection<String, String>> connection;
    private final io.wsshub.ops.Metrics.Histogram latency =
            io.wsshub.ops.Metrics.histogram(io.wsshub.ops.Metrics.ENGINE_LATENCY, "wait");
    private final Object lock = new Object();
    /** Writes answered and not covered by the WAIT in flight. */
    private List<Pending> written = new ArrayList<>();
    private boolean waiting;
    /** Bumped each time the connection drops: a WAIT after a drop confirms none of the writes before it. */
    private volatile long generation;

    RedisAcks(int replicas, long timeoutMillis, Supplier<StatefulRedisConnection<String, String>> connection) {
        this.replicas = replicas;
        this.timeoutMillis = timeoutMillis;
        this.connection = connection;
    }

    int replicas() {
        return replicas;
    }

    long generation() {
        return generation;
    }

    /** The connection dropped (a Lettuce I/O thread). */
    void dropped() {
        generation++;
    }

    /**
     * A write answered on the connection in {@code writtenIn} (its {@link #generation} when the answer arrived):
     * completes when a WAIT confirms it, fails with {@link EngineUnavailable} when none can.
     */
    CompletionStage<Void> confirm(long writtenIn) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        boolean send;
        synchronized (lock) {
            written.add(new Pending(f, writtenIn));
            send = !waiting;
            waiting = true;
        }
        if (send) {
            sendWait();
        }
        return f;
    }

    private void sendWait() {
        List<Pending> batch;
        synchronized (lock) {
            batch = written;
            written = new ArrayList<>();
        }
        long sentIn = generation;
        long t0 = System.nanoTime();
        StatefulRedisConnection<String, String> c = connection.get();
        CompletionStage<Long> wait;
        try {
            wait = c == null ? CompletableFuture.failedFuture(new EngineUnavailable("redis: not connected"))
                    : c.async().waitForReplication(replicas, timeoutMillis);
        } catch (RuntimeException e) { // rejected while disconnected
            wait = CompletableFuture.failedFuture(e);
        }
        wait.whenComplete((n, e) -> {
            latency.observe((System.nanoTime() - t0) / 1e9);
            boolean sameConnection = generation == sentIn;
            for (Pending p : batch) {
                if (e != null) {
                    p.done.completeExceptionally(new EngineUnavailable("redis: no confirmation from replicas: "
                            + e.getMessage(), e));
                } else if (!sameConnection || p.generation != sentIn) {
                    p.done.completeExceptionally(new EngineUnavailable(
                            "redis: the connection dropped before replicas confirmed the write"));
                } else if (n < replicas) {
                    p.done.completeExceptionally(new EngineUnavailable("redis: " + n + " of " + replicas
                            + " replicas confirmed the write within " + timeoutMillis + " ms (redis.ack.replicas)"));
                } else {
                    p.done.complete(null);
                }
            }
            boolean more;
            synchronized (lock) {
                more = !written.isEmpty();
                waiting = more;
            }
            if (more) {
                sendWait();
            }
        });
    }
}
