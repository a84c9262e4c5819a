package io.wsshub.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A password that passed a check is recognised for a minute (a guess never is), and forgotten when it fails. */
class VerifiedPasswordsTest {

    @Test
    void theRightPasswordIsRecognisedForAMinuteAndNothingElseIs() {
        AtomicLong now = new AtomicLong(1_000);
        VerifiedPasswords v = new VerifiedPasswords(now::get);
        assertFalse(v.matches("alice", "demo-pass"), "nothing before a check passed");
        v.passed("alice", "demo-pass");
        assertTrue(v.matches("alice", "demo-pass"));
        assertFalse(v.matches("alice", "demo-pas"), "a guess does not match");
        assertFalse(v.matches("bob", "demo-pass"), "per user");
        now.addAndGet(59_999);
        assertTrue(v.matches("alice", "demo-pass"));
        now.addAndGet(1);
        assertFalse(v.matches("alice", "demo-pass"), "a minute later it is checked (and reserved) again");
        v.passed("alice", "demo-pass");
        v.forget("alice");
        assertFalse(v.matches("alice", "demo-pass"));
    }
}
