package io.wsshub.market;

import io.wsshub.transport.QueueingPeer;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One market connection: its symbols and its conflation. A quote goes straight into the connection's queue
 * while the queue is short; once the connection is behind (more than {@code conflateAfter} frames queued),
 * quotes wait in a map keyed by symbol where a newer quote replaces the older one (latest wins), and are
 * written only when the queue is empty. Memory per connection is bounded by the queue bound plus one quote
 * per subscribed symbol, however slow the client.
 */
public final class Subscriber {

    final QueueingPeer peer;
    /** A /ws connection's market channels: its quotes name their channel. */
    final boolean channels;
    private final int conflateAfter;
    /** Guarded by this. */
    private final Set<String> symbols = new HashSet<>();
    /** Guarded by this: symbol -> newest encoded quote not yet written. */
    private final LinkedHashMap<String, String> conflated = new LinkedHashMap<>();
    /** While a snapshot is being prepared, quotes wait (conflated) so none overtakes it. */
    private boolean holding;

    Subscriber(QueueingPeer peer, int conflateAfter, boolean channels) {
        this.peer = peer;
        this.channels = channels;
        this.conflateAfter = conflateAfter;
        peer.whenIdle(this::nextConflated);
    }

    synchronized int symbolCount() {
        return symbols.size();
    }

    synchronized boolean has(String symbol) {
        return symbols.contains(symbol);
    }

    synchronized void add(String symbol) {
        symbols.add(symbol);
    }

    synchronized void remove(String symbol) {
        symbols.remove(symbol);
        conflated.remove(symbol);
    }

    synchronized Set<String> symbols() {
        return Set.copyOf(symbols);
    }

    synchronized void hold() {
        holding = true;
    }

    /** Ends a hold: what waited is written after the snapshot that was queued meanwhile. */
    void release() {
        synchronized (this) {
            holding = false;
        }
        peer.kick();
    }

    /**
     * Offers the newest quote of a symbol (encoded once for all subscribers): queued or conflated, never written
     * here. Returns true when the caller must {@link QueueingPeer#kick} the connection once it holds no lock.
     */
    boolean offer(String symbol, String quote) {
        synchronized (this) {
            if (!symbols.contains(symbol)) {
                return false;
            }
            if (!holding && conflated.isEmpty() && peer.pending() < conflateAfter) {
                peer.enqueue(quote); // under the lock: keeps this symbol's quotes in seq order
            } else {
                if (conflated.put(symbol, quote) != null) { // replaced an older unwritten quote of the symbol
                    io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.QUOTES_CONFLATED);
                }
            }
            return true;
        }
    }

    private synchronized String nextConflated() {
        if (holding || conflated.isEmpty()) {
            return null;
        }
        Iterator<Map.Entry<String, String>> it = conflated.entrySet().iterator();
        String quote = it.next().getValue();
        it.remove();
        return quote;
    }
}
