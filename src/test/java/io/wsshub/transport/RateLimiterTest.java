package io.wsshub.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wsshub.transport.RateLimiter.Verdict;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private static final long S = 1_000_000_000L;

    @Test
    void burstThenRate() {
        RateLimiter r = new RateLimiter(20, 40, 200, 5 * S, 0);
        for (int i = 0; i < 40; i++) {
            assertEquals(Verdict.ACCEPT, r.take(0), "burst " + i);
        }
        assertEquals(Verdict.REJECT, r.take(0));
        assertEquals(Verdict.ACCEPT, r.take(S / 20), "one token per 50 ms");
        assertEquals(Verdict.REJECT, r.take(S / 20));
        assertEquals(Verdict.ACCEPT, r.take(S / 20 + 10 * S)); // refilled, capped at the burst
        for (int i = 0; i < 39; i++) {
            assertEquals(Verdict.ACCEPT, r.take(S / 20 + 10 * S));
        }
        assertEquals(Verdict.REJECT, r.take(S / 20 + 10 * S));
    }

    @Test
    void fiveTimesOverTheLimitIsAFloodWithinFiveSecondsTwiceIsNot() {
        assertEquals(-1, floodAfterMillis(40), "2x the rate is not a flood");
        long t = floodAfterMillis(100); // 5x
        assertEquals(true, t > 0 && t <= 5000, "5x is closed within 5 s: " + t);
    }

    /** Sends at {@code perSecond} for 10 s; the time of the FLOOD verdict, or -1. */
    private static long floodAfterMillis(int perSecond) {
        RateLimiter r = new RateLimiter(20, 40, 200, 5 * S, 0);
        for (long i = 1; i <= 10L * perSecond; i++) {
            long now = i * S / perSecond;
            if (r.take(now) == Verdict.FLOOD) {
                return now / 1_000_000;
            }
        }
        return -1;
    }
}
