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

    /** A wrong password, as the authentication mechanism reports it: reserved, checked, failed. */
    private static void wrong(LoginThrottle t, String user, String address) {
        assertEquals(0, t.reserve(user, address), user + " from " + address + " may try");
        t.failed(user, address);
    }

    private static void right(LoginThrottle t, String user, String address) {
        assertEquals(0, t.reserve(user, address));
        t.succeeded(user, address);
    }

    @Test
    void fiveFailuresForANameLockItOutWithAGrowingDelay() {
        LoginThrottle t = throttle(100);
        long failures = Metrics.count(Metrics.LOGIN_FAILURES);
        long lockouts = Metrics.count(Metrics.LOGIN_LOCKED);
        for (int i = 0; i < 4; i++) {
            wrong(t, "dave", "10.0.0." + i);
            assertEquals(0, t.retryAfterSeconds("dave", "10.0.0.9"));
        }
        wrong(t, "dave", "10.0.0.5");
        assertEquals(30, t.retryAfterSeconds("dave", "10.0.0.9"), "from any address: the name is locked");
        assertEquals(0, t.retryAfterSeconds("alice", "10.0.0.9"), "other names are not");
        now.addAndGet(30_000);
        assertEquals(0, t.retryAfterSeconds("dave", "10.0.0.9"));
        for (int i = 0; i < 5; i++) {
            wrong(t, "dave", "10.0.1." + i);
        }
        assertEquals(60, t.retryAfterSeconds("dave", "10.0.0.9"), "the second lock-out lasts twice as long");
        assertEquals(2, Metrics.count(Metrics.LOGIN_LOCKED) - lockouts, "counted for the metrics");
        assertEquals(10, Metrics.count(Metrics.LOGIN_FAILURES) - failures);
    }

    @Test
    void anAddressGuessingManyNamesIsLockedOutAndASuccessClearsOnlyTheName() {
        LoginThrottle t = throttle(100);
        for (int i = 0; i < 20; i++) {
            wrong(t, "user" + i, "10.9.9.9");
        }
        assertEquals(30, t.retryAfterSeconds("alice", "10.9.9.9"));
        assertEquals(0, t.retryAfterSeconds("alice", "10.9.9.8"));
        wrong(t, "bob", "10.1.1.1");
        right(t, "bob", "10.1.1.1");
        for (int i = 0; i < 4; i++) {
            wrong(t, "bob", "10.1.1." + (i + 2));
        }
        assertEquals(0, t.retryAfterSeconds("bob", "10.1.1.1"), "the success reset bob's count");
    }

    @Test
    void memoryIsBoundedUnderASprayOfNames() {
        LoginThrottle t = throttle(1000);
        for (int i = 0; i < 50_000; i++) {
            now.addAndGet(1);
            String address = "10.0." + (i / 250) + "." + (i % 250);
            if (t.reserve("spray" + i, address) == 0) {
                t.failed("spray" + i, address);
            }
        }
        assertTrue(t.tracked() <= 2 * 1000, "remembered " + t.tracked());
    }

    @Test
    void concurrentGuessesCannotAllPassOneCheck() {
        LoginThrottle t = throttle(100);
        int passed = 0;
        for (int i = 0; i < 50; i++) { // fifty requests in flight at once: none has failed yet
            long r = t.reserve("dave", "10.2.0." + i);
            if (r == 0) {
                passed++;
            } else {
                assertEquals(LoginThrottle.BUSY, r, "the others wait for the five in flight");
            }
        }
        assertEquals(5, passed, "at most five guesses per lock-out");
        for (int i = 0; i < 5; i++) {
            t.failed("dave", "10.2.0." + i);
        }
        assertEquals(30, t.retryAfterSeconds("dave", "10.2.9.9"));
        assertEquals(30, t.reserve("dave", "10.2.0.7"), "then the waiting ones are locked out");
    }

    /**
     * Found by the benchmark: a reserved attempt counted as a failure until it succeeded, so five sockets opened
     * at once with the right password locked their user out for 30 s (the fan-out load generator got 429).
     */
    @Test
    void manyConcurrentChecksOfTheRightPasswordAreNeverALockOut() {
        LoginThrottle t = throttle(100);
        int done = 0;
        java.util.ArrayDeque<Integer> inFlight = new java.util.ArrayDeque<>();
        for (int i = 0; i < 1000; i++) { // a program opening 1000 sockets with Basic, many at once
            long r = t.reserve("bench", "127.0.0.1");
            while (r == LoginThrottle.BUSY) { // the caller waits: one in flight ends
                t.succeeded("bench", "127.0.0.1");
                inFlight.poll();
                done++;
                r = t.reserve("bench", "127.0.0.1");
            }
            assertEquals(0, r, "attempt " + i);
            inFlight.add(i);
        }
        assertEquals(0, t.retryAfterSeconds("bench", "127.0.0.1"));
        assertTrue(done >= 995);
    }

    @Test
    void sprayingNewNamesNeverFreesAnActiveLockOut() {
        LoginThrottle t = throttle(100);
        for (int i = 0; i < 5; i++) {
            wrong(t, "alice", "10.3.0." + i);
        }
        assertEquals(30, t.retryAfterSeconds("alice", "10.3.9.9"));
        for (int i = 0; i < 5_000; i++) { // far more names than are remembered, from many addresses
            now.addAndGet(1);
            String address = "10.4." + (i / 200) + "." + (i % 200);
            if (t.reserve("spray" + i, address) == 0) {
                t.failed("spray" + i, address);
            }
        }
        assertTrue(t.retryAfterSeconds("alice", "10.3.9.9") > 0, "alice is still locked out");
        assertTrue(t.tracked() <= 2 * 4 * 100, "remembered " + t.tracked());
    }

    @Test
    void aSuccessGivesTheAddressItsAttemptBack() {
        LoginThrottle t = throttle(100);
        for (int i = 0; i < 40; i++) { // forty users behind one NAT address signing in
            right(t, "user" + i, "10.5.5.5");
        }
        assertEquals(0, t.retryAfterSeconds("someone", "10.5.5.5"));
    }

    @Test
    void aStrangerCannotLockAServicePrincipalOutOfItsOwnAddress() {
        LoginThrottle t = throttle(100);
        for (int i = 0; i < 5; i++) {
            wrong(t, "operator", "203.0.113.7"); // from the internet, with the name the docs give
        }
        assertEquals(30, t.retryAfterSeconds("operator", "203.0.113.7"), "the stranger is locked out");
        assertEquals(0, t.retryAfterSeconds("operator", "10.0.0.2"), "the preStop hook's own address is not");
        right(t, "operator", "10.0.0.2");
        for (int i = 0; i < 5; i++) {
            wrong(t, "alice", "203.0.113.8");
        }
        assertEquals(30, t.retryAfterSeconds("alice", "10.0.0.2"), "a person's name is still locked everywhere");
    }
}
