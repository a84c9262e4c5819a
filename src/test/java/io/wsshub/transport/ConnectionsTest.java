package io.wsshub.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.websocket.CloseReason;
import jakarta.websocket.CloseReason.CloseCodes;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The admission of a connection by the cluster-wide per-user cap, against a close that comes first. */
class ConnectionsTest {

    /** An executor that runs every task on the caller (the admission's completion). */
    private static ManagedExecutorService direct() {
        return (ManagedExecutorService) Proxy.newProxyInstance(ConnectionsTest.class.getClassLoader(),
                new Class<?>[] {ManagedExecutorService.class}, (p, m, args) -> {
                    if (m.getName().equals("execute")) {
                        ((Runnable) args[0]).run();
                        return null;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    private static Connection pending(Connections connections) {
        SessionOutboxTest.FakeSession fake = new SessionOutboxTest.FakeSession();
        SessionOutbox out = new SessionOutbox(fake.session(), "alice", 100, Long.MAX_VALUE, Runnable::run);
        RateLimiter limiter = new RateLimiter(10, 10, 100, TimeUnit.SECONDS.toNanos(5), System.nanoTime());
        Connection c = new Connection(fake.session(), out, new TextAssembler(1024), limiter, null, null, "n/s1");
        c.admission = new CompletableFuture<>(); // the Redis round trip is under way
        return c;
    }

    @Test
    void aConnectionClosedWhileItsAdmissionIsUnderWayNeverJoins() {
        Connections connections = new Connections();
        connections.executor = direct();
        Connection c = pending(connections);
        AtomicBoolean joined = new AtomicBoolean();
        connections.whenAdmitted(c, () -> joined.set(true));
        connections.closed(c, new CloseReason(CloseCodes.GOING_AWAY, "page reload")); // @OnClose first
        c.admission.complete(true); // then the cluster admits it
        assertFalse(joined.get(), "a join after the close would leave a ghost member for good");
    }

    @Test
    void anOpenConnectionJoinsOnceAdmitted() {
        Connections connections = new Connections();
        connections.executor = direct();
        Connection c = pending(connections);
        AtomicBoolean joined = new AtomicBoolean();
        connections.whenAdmitted(c, () -> joined.set(true));
        assertFalse(joined.get());
        c.admission.complete(true);
        assertTrue(joined.get());
    }
}
