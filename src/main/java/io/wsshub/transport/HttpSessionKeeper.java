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
 */
final class HttpSessionKeeper {

    private static final Logger LOG = Logger.getLogger(HttpSessionKeeper.class.getName());

    private record Held(int sockets, int originalTimeout) {
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
                    session.setMaxInactiveInterval(-1); // never expires while a socket uses it
                    return new Held(1, original);
                }
                return new Held(h.sockets() + 1, h.originalTimeout());
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
                return new Held(h.sockets() - 1, h.originalTimeout());
            }
            try {
                session.setMaxInactiveInterval(h.originalTimeout());
            } catch (IllegalStateException e) {
                LOG.log(Level.FINE, "session already invalid", e);
            }
            return null;
        });
    }
}
