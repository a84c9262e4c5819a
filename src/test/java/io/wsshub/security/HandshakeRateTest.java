package io.wsshub.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Handshakes per user and per address: a minute's worth at once, then at the minute's rate. */
class HandshakeRateTest {

    private final AtomicLong nanos = new AtomicLong();

    @Test
    void aUserGetsAMinutesWorthThenWaitsAndOthersAreNotAffected() {
        HandshakeRate rate = new HandshakeRate(6, 0, nanos::get);
        for (int i = 0; i < 6; i++) {
            assertEquals(0, rate.acquire("dave", "10.0.0.1"));
        }
        assertEquals(10, rate.acquire("dave", "10.0.0.2"), "one handshake comes back every 10 s");
        assertEquals(0, rate.acquire("alice", "10.0.0.1"));
        nanos.addAndGet(10_000_000_000L);
        assertEquals(0, rate.acquire("dave", "10.0.0.1"));
        assertTrue(rate.acquire("dave", "10.0.0.1") > 0);
    }

    @Test
    void anAddressIsLimitedWhateverUserItNamesAndARefusalTakesNothingFromTheUser() {
        HandshakeRate rate = new HandshakeRate(3, 4, nanos::get);
        for (String u : new String[] {"a", "b", "c", "d"}) {
            assertEquals(0, rate.acquire(u, "10.0.0.9"));
        }
        assertEquals(15, rate.acquire("e", "10.0.0.9"));
        assertEquals(0, rate.acquire("e", "10.0.0.8"), "e's refused handshake did not use e's budget");
        assertEquals(0, rate.acquire("e", "10.0.0.8"));
        assertEquals(0, rate.acquire("e", "10.0.0.8"));
        assertTrue(rate.acquire("e", "10.0.0.8") > 0);
    }

    @Test
    void zeroTurnsALimitOff() {
        HandshakeRate rate = new HandshakeRate(0, 0, nanos::get);
        for (int i = 0; i < 10_000; i++) {
            assertEquals(0, rate.acquire("bench", "127.0.0.1"));
        }
    }
}
