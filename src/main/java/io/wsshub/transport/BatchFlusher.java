package io.wsshub.transport;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The linger of batching connections ({@code transport.batch.linger.ms} &gt; 0): a batching connection starts at
 * most one write per linger. A message for a connection written to within the linger is not written at once but on
 * the next tick, together with whatever else arrived for it meanwhile, trading at most one linger of latency for
 * fewer, larger frames; a message after a quiet spell goes at once. One periodic task (every linger) serves every
 * connection; a connection is queued here at most once per tick.
 */
public final class BatchFlusher implements Runnable {

    private final long lingerNanos;

    public BatchFlusher(long lingerNanos) {
        this.lingerNanos = lingerNanos;
    }

    long lingerNanos() {
        return lingerNanos;
    }

    private final ConcurrentLinkedQueue<SessionOutbox> dirty = new ConcurrentLinkedQueue<>();

    /** The outbox has something queued and its socket may be idle: write it on the next tick. */
    void mark(SessionOutbox outbox) {
        if (outbox.markDirty()) {
            dirty.add(outbox);
        }
    }

    /** A tick: starts the writes of every connection marked since the last one (async sends: never blocks). */
    @Override
    public void run() {
        SessionOutbox o;
        while ((o = dirty.poll()) != null) {
            o.flushMarked();
        }
    }
}
