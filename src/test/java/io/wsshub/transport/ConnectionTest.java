package io.wsshub.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.websocket.CloseReason.CloseCodes;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The inbound limits of one connection, against the outbox's stand-in session (no socket). */
class ConnectionTest {

    private static Connection connection(SessionOutboxTest.FakeSession fake, int maxQueued, int floodRejections) {
        SessionOutbox out = new SessionOutbox(fake.session(), "alice", maxQueued, Long.MAX_VALUE, Runnable::run);
        RateLimiter limiter = new RateLimiter(0.001, 1, floodRejections, TimeUnit.SECONDS.toNanos(5),
                System.nanoTime());
        return new Connection(fake.session(), out, new TextAssembler(1024), limiter, null, null);
    }

    @Test
    void everyRefusalIsAnsweredWhileTheClientReadsThem() throws Exception {
        SessionOutboxTest.FakeSession fake = new SessionOutboxTest.FakeSession();
        Connection c = connection(fake, 100, 1000);
        assertEquals("m0", c.accept("m0", true)); // the burst of one
        for (int i = 1; i <= 300; i++) {
            assertNull(c.accept("m" + i, true));
            assertTrue(fake.completeOne(), "a refusal was written"); // the client reads each one
        }
        assertNull(fake.closed.get(), "a client that reads its refusals is only refused");
        assertTrue(fake.written.stream().allMatch(f -> f.contains(Connection.RATE_LIMITED)), fake.written.toString());
    }

    @Test
    void aClientThatSendsFasterThanItReadsItsRefusalsIsClosedForFloodingNotForBeingSlow() {
        SessionOutboxTest.FakeSession fake = new SessionOutboxTest.FakeSession(); // writes never complete
        Connection c = connection(fake, 100, 1000); // far from the flood count: only the unread refusals decide
        c.accept("m0", true);
        int sent = 1;
        while (fake.closed.get() == null && sent < 1000) {
            assertNull(c.accept("m" + sent++, true));
        }
        assertNotNull(fake.closed.get(), "still open after " + sent);
        assertEquals(CloseCodes.VIOLATED_POLICY, fake.closed.get().getCloseCode());
        assertEquals("message flood", fake.closed.get().getReasonPhrase());
        assertTrue(c.outbox().pending() <= 51, "refusals stop at half the queue: " + c.outbox().pending());
        assertNull(c.accept("more", true), "nothing is taken after the close");
    }
}
