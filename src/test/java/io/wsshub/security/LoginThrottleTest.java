package io.wsshub.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.ops.Metrics;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The brute-force rules without a server: per name, per address, a growing delay, bounded memory. */
class LoginThrottleTest {

    private final AtomicLong now = new AtomicLong(1_000_000);

    private LoginThrottle throttle(int maxTracked) {
        return new LoginThrottle(5, 20, 60, 30, 900, maxTracked, now::get);
    }

    @Test
    void fiveFailuresForANameLockItOutWithAGrowingDelay() {
        LoginThrottle t = throttle(100);
        long failures = Metrics.count(Metrics.LOGIN_FAILURES);
        long lockouts = Metrics.count(Metrics.LOGIN_LOCKED);
        for (int i = 0; i < 4; i++) {
            t.failed("dave", "10.0.0." + i);
            assertEquals(0, t.retryAfterSeconds("dave", "10.0.0.9"));
        }
        t.failed("dave", "10.0.0.5");
        assertEquals(30, t.retryAfterSeconds("dave", "10.0.0.9"), "from any address: the name is locked");
        assertEquals(0, t.retryAfterSeconds("alice", "10.0.0.9"), "other names are not");
        now.addAndGet(30_000);
        assertEquals(0, t.retryAfterSeconds("dave", "10.0.0.9"));
        for (int i = 0; i < 5; i++) {
            t.failed("dave", "10.0.1." + i);
        }
        assertEquals(60, t.retryAfterSeconds("dave", "10.0.0.9"), "the second lock-out lasts twice as long");
        assertEquals(2, Metrics.count(Metrics.LOGIN_LOCKED) - lockouts, "counted for the metrics");
        assertEquals(10, Metrics.count(Metrics.LOGIN_FAILURES) - failures);
    }

    @Test
    void anAddressGuessingManyNamesIsLockedOutAndASuccessClearsOnlyTheName() {
        LoginThrottle t = throttle(100);
        for (int i = 0; i < 20; i++) {
            t.failed("user" + i, "10.9.9.9");
        }
        assertEquals(30, t.retryAfterSeconds("alice", "10.9.9.9"));
        assertEquals(0, t.retryAfterSeconds("alice", "10.9.9.8"));
        t.failed("bob", "10.1.1.1");
        t.succeeded("bob");
        for (int i = 0; i < 4; i++) {
            t.failed("bob", "10.1.1." + (i + 2));
        }
        assertEquals(0, t.retryAfterSeconds("bob", "10.1.1.1"), "the success reset bob's count");
    }

    @Test
    void memoryIsBoundedUnderASprayOfNames() {
        LoginThrottle t = throttle(1000);
        for (int i = 0; i < 50_000; i++) {
            now.addAndGet(1);
            t.failed("spray" + i, "10.0." + (i / 250) + "." + (i % 250));
        }
        assertTrue(t.tracked() <= 2 * 1000, "remembered " + t.tracked());
    }
}
