package io.wsshub.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Logged-out logins are remembered as long as a cookie lives, and no longer: memory follows the logout rate. */
class RevokedLoginsTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final long keep = TimeUnit.MINUTES.toMillis(121);
    private final RevokedLogins revoked = new RevokedLogins(keep, now::get);

    @Test
    void aRevocationLastsTheCookiesLifetimeAndIsThenForgotten() {
        for (int i = 0; i < 10_000; i++) { // a login/logout loop
            revoked.revoke("t" + i);
            now.addAndGet(10);
        }
        assertTrue(revoked.isRevoked("t0"));
        assertEquals(10_000, revoked.size());
        now.addAndGet(keep - 50_000); // t0..t4999 have outlived any cookie of theirs
        revoked.revoke("late");
        assertFalse(revoked.isRevoked("t0"));
        assertTrue(revoked.isRevoked("t9999"));
        assertEquals(10_000 - 4_999 + 1 - 1, revoked.size(), "the expired ones are gone, without a full scan");
    }

    @Test
    void hearingItsOwnLogoutBackKeepsOneEntry() {
        revoked.revoke("a");
        revoked.revoke("a");
        assertEquals(1, revoked.size());
        now.addAndGet(keep + 1);
        revoked.revoke("b");
        assertEquals(1, revoked.size());
        assertFalse(revoked.isRevoked("a"));
    }

    @Test
    void loginsPerUserAndMinuteAreLimited() {
        AtomicLong clock = new AtomicLong(0);
        LoginRate rate = new LoginRate(3, clock::get);
        for (int i = 0; i < 3; i++) {
            assertEquals(0, rate.acquire("dave"));
        }
        clock.set(40_000);
        assertEquals(20, rate.acquire("dave"), "seconds until the minute is over");
        assertEquals(0, rate.acquire("erin"), "another user is not affected");
        clock.set(60_000);
        assertEquals(0, rate.acquire("dave"));
    }
}
