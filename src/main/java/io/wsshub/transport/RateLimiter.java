package io.wsshub.transport;

/**
 * Per-connection token bucket for inbound messages, plus flood detection: a client whose messages keep being
 * refused (more than {@code floodRejections} refusals within {@code floodWindowNanos}) is to be closed.
 * Not thread-safe: a connection's messages are delivered one at a time.
 */
public final class RateLimiter {

    public enum Verdict { ACCEPT, REJECT, FLOOD }

    private final double perNano;
    private final double burst;
    private final int floodRejections;
    private final long floodWindowNanos;

    private double tokens;
    private long last;
    private long windowStart;
    private int rejectedInWindow;

    public RateLimiter(double perSecond, int burst, int floodRejections, long floodWindowNanos, long now) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.floodRejections = floodRejections;
        this.floodWindowNanos = floodWindowNanos;
        this.tokens = burst;
        this.last = now;
        this.windowStart = now;
    }

    /** Takes a token for one message arriving at {@code now} (System.nanoTime()). */
    public Verdict take(long now) {
        tokens = Math.min(burst, tokens + (now - last) * perNano);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return Verdict.ACCEPT;
        }
        if (now - windowStart > floodWindowNanos) {
            windowStart = now;
            rejectedInWindow = 0;
        }
        return ++rejectedInWindow > floodRejections ? Verdict.FLOOD : Verdict.REJECT;
    }
}
