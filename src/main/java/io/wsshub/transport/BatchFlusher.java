package io.wsshub.transport;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The linger of batching connections ({@code transport.batch.linger.ms} &gt; 0): a batching connection starts at
 * most one write per linger. A message for a connection written to within the linger is not written at once but on
 * the next tick, together with whatever else arrived for it meanwhile, trading at most one linger of latency for
 * fewer, larger frames; a message after a quiet spell goes at once. One tick serves every connection marked before
 * it; a connection is queued here at most once per tick.
 *
 * <p>A tick is scheduled only when a connection is marked and none is pending: a server with nothing waiting does
 * not wake every linger (a fixed-rate tick every 10 ms cost an idle server with 1000 connections 1.3–1.5 % of a
 * core, docs/benchmarks.md).
 */
public final class BatchFlusher implements Runnable {

    /** Runs a tick once, after a delay (the application's scheduler). */
    @FunctionalInterface
    public interface Timer {
        void after(long nanos, Runnable tick);
    }

    private final long lingerNanos;
    private final Timer timer;
    private final ConcurrentLinkedQueue<SessionOutbox> dirty = new ConcurrentLinkedQueue<>();
    /** A tick is scheduled and has not started draining yet. */
    private final AtomicBoolean armed = new AtomicBoolean();

    public BatchFlusher(long lingerNanos, Timer timer) {
        this.lingerNanos = lingerNanos;
        this.timer = timer;
    }

    long lingerNanos() {
        return lingerNanos;
    }

    /** The outbox has something queued and its socket may be idle: write it on the next tick. */
    void mark(SessionOutbox outbox) {
        if (outbox.markDirty()) {
            dirty.add(outbox);
            if (armed.compareAndSet(false, true)) {
                try {
                    timer.after(lingerNanos, this);
                } catch (RuntimeException e) {
                    run(); // no scheduler (the application is stopping): write now rather than never
                }
            }
        }
    }

    /** A tick: starts the writes of every connection marked since the last one (async sends: never blocks). */
    @Override
    public void run() {
        armed.set(false); // before draining: a connection marked from here on arms the next tick
        SessionOutbox o;
        while ((o = dirty.poll()) != null) {
            o.flushMarked();
        }
    }
}
