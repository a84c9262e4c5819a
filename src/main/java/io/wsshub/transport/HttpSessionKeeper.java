package io.wsshub.transport;

import jakarta.servlet.http.HttpSession;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the HTTP session of an authenticated WebSocket from expiring while the socket is open. The container
 * closes a socket with 1008 when the HTTP session it was opened with expires (Jakarta WebSocket, 7.2), and socket
 * traffic does not count as session activity: without this, every socket would die after the session timeout,
 * however busy. The session's own timeout is restored when its last socket closes.
 *
 * <p>Open Liberty creates an HTTP session for every handshake, also for clients that never use cookies (HTTP
 * Basic). Such a session (new at the handshake) would otherwise live the full session timeout (30 min) after its
 * socket closed: under reconnect churn that is thousands of dead sessions in the heap. When its last socket
 * closes it gets {@link #HANDSHAKE_SESSION_SECONDS} instead; a client that does reuse its cookie within that time
 * holds it again.
 */
final class HttpSessionKeeper {

    private static final Logger LOG = Logger.getLogger(HttpSessionKeeper.class.getName());

    static final int HANDSHAKE_SESSION_SECONDS = 30;

    /** @param handshakeOnly the session was created by the handshake itself (no browser login behind it) */
    private record Held(int sockets, int originalTimeout, boolean handshakeOnly) {
    }

    private final ConcurrentHashMap<String, Held> held = new ConcurrentHashMap<>();

    void hold(HttpSession session) {
        if (session == null) {
            return;
        }
        try {
            held.compute(session.getId(), (id, h) -> {
                if (h == null) {
                    int original = session.getMaxInactiveInterval();
                    boolean handshakeOnly = session.isNew();
                    session.setMaxInactiveInterval(-1); // never expires while a socket uses it
                    return new Held(1, original, handshakeOnly);
                }
                return new Held(h.sockets() + 1, h.originalTimeout(), h.handshakeOnly());
            });
        } catch (IllegalStateException e) { // invalidated meanwhile: the container closes the socket itself
            LOG.log(Level.FINE, "session already invalid", e);
        }
    }

    void release(HttpSession session) {
        if (session == null) {
            return;
        }
        held.computeIfPresent(session.getId(), (id, h) -> {
            if (h.sockets() > 1) {
                return new Held(h.sockets() - 1, h.originalTimeout(), h.handshakeOnly());
            }
            try {
                session.setMaxInactiveInterval(h.handshakeOnly()
                        ? Math.min(HANDSHAKE_SESSION_SECONDS, h.originalTimeout()) : h.originalTimeout());
            } catch (IllegalStateException e) {
                LOG.log(Level.FINE, "session already invalid", e);
            }
            return null;
        });
    }
}
