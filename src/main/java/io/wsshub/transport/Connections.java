package io.wsshub.transport;

import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.CloseReason.CloseCodes;
import jakarta.websocket.Session;
import java.io.IOException;
import java.security.Principal;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Admits, tracks and releases every WebSocket connection of the application: the per-user and total connection
 * caps, the per-connection limits, the log line of each open and close, and closing a login's sockets on
 * logout. Endpoints call {@link #open} in @OnOpen and {@link #closed} in @OnClose.
 */
@ApplicationScoped
public class Connections {

    private static final Logger LOG = Logger.getLogger(Connections.class.getName());
    /** Handshake user property: hash of the login cookie that authenticated it (set by the configurator). */
    public static final String LOGIN_TOKEN = "wsshub.loginToken";

    @Inject
    TransportSettings settings;
    @Resource
    ManagedExecutorService executor;

    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, AtomicInteger> perUser = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    /**
     * Admits an authenticated session, or closes it (1008 without a principal, 1013 over a cap) and returns
     * null. Never blocks for long: the close writes one small frame on a fresh connection.
     */
    public Connection open(Session session) throws IOException {
        Principal principal = session.getUserPrincipal();
        if (principal == null) { // web.xml requires role "user" for /ws/*; this is a second lock on the door
            session.close(new CloseReason(CloseCodes.VIOLATED_POLICY, "not authenticated"));
            return null;
        }
        String user = principal.getName();
        if (total.incrementAndGet() > settings.maxConnections()) {
            total.decrementAndGet();
            refuse(session, user, "server connection limit reached");
            return null;
        }
        AtomicInteger mine = perUser.computeIfAbsent(user, u -> new AtomicInteger());
        if (mine.incrementAndGet() > settings.maxConnectionsPerUser()) {
            mine.decrementAndGet();
            total.decrementAndGet();
            refuse(session, user, "too many connections for this user");
            return null;
        }
        // Liberty enforces these per frame (1009); TextAssembler enforces the limit per whole message.
        session.setMaxTextMessageBufferSize(settings.maxFrameBytes());
        session.setMaxBinaryMessageBufferSize(settings.maxFrameBytes());
        session.setMaxIdleTimeout(settings.idleTimeoutMillis());
        SessionOutbox outbox = new SessionOutbox(session, user, settings.queueMaxMessages(),
                settings.queueMaxBytes(), executor);
        RateLimiter limiter = new RateLimiter(settings.ratePerSecond(), settings.rateBurst(),
                settings.floodRejections(), TransportSettings.FLOOD_WINDOW_NANOS, System.nanoTime());
        Connection c = new Connection(session, outbox, new TextAssembler(settings.maxFrameBytes()), limiter,
                (String) session.getUserProperties().get(LOGIN_TOKEN));
        open.add(c);
        LOG.info(() -> "websocket open id=" + session.getId() + " user=" + user + " path="
                + session.getRequestURI().getPath());
        return c;
    }

    private static void refuse(Session session, String user, String reason) throws IOException {
        LOG.warning(() -> "websocket refused user=" + user + " path=" + session.getRequestURI().getPath()
                + " code=1013 reason=" + reason);
        session.close(new CloseReason(CloseCodes.TRY_AGAIN_LATER, reason));
    }

    /** The session closed (for any reason): release its place. Idempotent. */
    public void closed(Connection c, CloseReason reason) {
        if (c == null || !open.remove(c)) {
            return;
        }
        total.decrementAndGet();
        perUser.computeIfPresent(c.user(), (u, n) -> n.decrementAndGet() <= 0 ? null : n);
        LOG.info(() -> "websocket close id=" + c.id() + " user=" + c.user() + " path="
                + c.session().getRequestURI().getPath() + " code=" + reason.getCloseCode().getCode());
    }

    /** Closes, now and on the calling thread, every socket that the given login authenticated. */
    public int closeLogin(String loginToken, CloseReason.CloseCode code, String reason) {
        if (loginToken == null) {
            return 0;
        }
        int n = 0;
        for (Connection c : open) {
            if (loginToken.equals(c.loginToken())) {
                n++;
                try {
                    c.session().close(new CloseReason(code, reason));
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.FINE, "close of " + c.id() + " failed", e);
                }
            }
        }
        return n;
    }

    public int count() {
        return total.get();
    }
}
