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

    /**
     * The session attribute that names a held session here. Not its id: a login made while logged in changes the
     * session's id (LoginServlet, against fixation), and a release keyed by the old id would miss, leaving the
     * session without expiry and its entry here forever. Attributes move with the session.
     */
    static final String KEY = "wsshub.keeperKey";
    private static final java.util.concurrent.atomic.AtomicLong KEYS = new java.util.concurrent.atomic.AtomicLong();

    private final ConcurrentHashMap<String, Held> held = new ConcurrentHashMap<>();

    /** Sessions held now (for tests and metrics). */
    int size() {
        return held.size();
    }

    private static String key(HttpSession session) {
        Object k = session.getAttribute(KEY);
        if (k instanceof String s) {
            return s;
        }
        synchronized (HttpSessionKeeper.class) { // rare (a socket opening), and views of one session may differ
            k = session.getAttribute(KEY);
            if (!(k instanceof String)) {
                k = "k" + KEYS.incrementAndGet();
                session.setAttribute(KEY, k);
            }
            return (String) k;
        }
    }

    /** Holds the session while a socket uses it; returns the key to release it with (null: nothing held). */
    String hold(HttpSession session) {
        if (session == null) {
            return null;
        }
        try {
            String key = key(session);
            held.compute(key, (id, h) -> {
                if (h == null) {
                    int original = session.getMaxInactiveInterval();
                    boolean handshakeOnly = session.isNew();
                    session.setMaxInactiveInterval(-1); // never expires while a socket uses it
                    return new Held(1, original, handshakeOnly);
                }
                return new Held(h.sockets() + 1, h.originalTimeout(), h.handshakeOnly());
            });
            return key;
        } catch (IllegalStateException e) { // invalidated meanwhile: the container closes the socket itself
            LOG.log(Level.FINE, "session already invalid", e);
            return null;
        }
    }

    /** A socket that held the session under {@code key} closed; the last one gives the session its timeout back. */
    void release(String key, HttpSession session) {
        if (key == null) {
            return;
        }
        held.computeIfPresent(key, (id, h) -> {
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
