package io.wsshub.transport;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpSession;
import jakarta.websocket.CloseReason;
import jakarta.websocket.CloseReason.CloseCodes;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Admits, tracks and releases every WebSocket connection of the application: the per-user and total connection
 * caps, the per-connection limits, the log line of each open and close, closing a login's sockets on logout,
 * the heartbeat (pings, and closing clients that went silent) and the orderly close at shutdown.
 * Endpoints call {@link #open} in @OnOpen and {@link #closed} in @OnClose.
 */
@ApplicationScoped
public class Connections {

    private static final Logger LOG = Logger.getLogger(Connections.class.getName());
    /** Handshake user property: hash of the login cookie that authenticated it (set by the configurator). */
    public static final String LOGIN_TOKEN = "wsshub.loginToken";
    /** Handshake user property: the HttpSession the container tied the socket to, if any. */
    public static final String HTTP_SESSION = "wsshub.httpSession";

    @Inject
    TransportSettings settings;
    @Resource
    ManagedExecutorService executor;
    @Resource
    ManagedScheduledExecutorService scheduler;

    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    /** The open connections of each login (cookie hash): a logout closes them without looking at every socket. */
    private final ConcurrentHashMap<String, Set<Connection>> byLogin = new ConcurrentHashMap<>();
    private final UserCounts perUser = new UserCounts();
    @Inject
    io.wsshub.engine.Engine engine;
    @Inject
    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "presence.ttl.seconds", defaultValue = "30")
    int presenceTtlSeconds;
    private ScheduledFuture<?> countRefresh;
    private final AtomicInteger total = new AtomicInteger();
    private static final ByteBuffer PING = ByteBuffer.allocate(0);
    private static final int PING_CHUNK = 64;
    private final HttpSessionKeeper httpSessions = new HttpSessionKeeper();
    private ScheduledFuture<?> heartbeat;
    /** Non-null when transport.batch.linger.ms &gt; 0: the tick that writes batching connections' frames. */
    private BatchFlusher flusher;
    private volatile boolean shuttingDown;

    @PostConstruct
    void start() {
        for (String endpoint : new String[] {"ws", "chat", "market", "game"}) {
            io.wsshub.ops.Metrics.gauge(io.wsshub.ops.Metrics.CONNECTIONS,
                    () -> open.stream().filter(c -> endpoint.equals(c.endpoint)).count(), endpoint);
        }
        long every = settings.pingMillis();
        try {
            heartbeat = scheduler.scheduleAtFixedRate(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
            long refresh = Math.max(1000, presenceTtlSeconds * 1000L / 3);
            countRefresh = scheduler.scheduleWithFixedDelay(this::refreshCounts, refresh, refresh,
                    TimeUnit.MILLISECONDS);
            int linger = settings.batchLingerMillis();
            if (linger > 0) {
                flusher = new BatchFlusher(TimeUnit.MILLISECONDS.toNanos(linger),
                        (nanos, tick) -> scheduler.schedule(tick, nanos, TimeUnit.NANOSECONDS));
            }
        } catch (RuntimeException e) { // first used while the application stops
            LOG.log(Level.FINE, "heartbeat not started", e);
        }
    }

    /**
     * Pings every connection that is not being written to (one with data in flight needs no ping) and closes
     * those silent — no message and no pong — for the idle timeout: dead peers are found, and their presence
     * leave is sent, even when the network never reports the loss. Pings are written on the executor so that
     * one stuck socket cannot stall the heartbeat.
     */
    void heartbeat() {
        try {
            beat();
        } catch (RuntimeException e) {
            // a periodic task that throws is never run again, and the heartbeat is what closes dead peers
            LOG.log(Level.WARNING, "heartbeat round failed; the next one runs as scheduled", e);
        }
    }

    private void beat() {
        long now = System.nanoTime();
        long idleNanos = TimeUnit.MILLISECONDS.toNanos(settings.idleTimeoutMillis());
        long recentNanos = TimeUnit.MILLISECONDS.toNanos(settings.pingMillis()) / 2;
        List<SessionOutbox> toPing = new ArrayList<>();
        for (Connection c : open) {
            SessionOutbox out = c.outbox();
            long silent = out.silentNanos(now);
            if (silent > idleNanos) {
                out.closeAsync(CloseCodes.GOING_AWAY, "idle timeout");
            } else if (silent >= recentNanos) { // a client heard from within half an interval needs no ping
                toPing.add(out);
            }
        }
        // one executor task per chunk, not per connection: a managed task costs far more than the ping it sends
        for (int i = 0; i < toPing.size(); i += PING_CHUNK) {
            List<SessionOutbox> chunk = toPing.subList(i, Math.min(toPing.size(), i + PING_CHUNK));
            try {
                executor.execute(() -> chunk.forEach(out -> out.pingIfIdle(PING.duplicate())));
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                return; // the application is stopping: no more pings
            }
        }
    }

    /**
     * The application is stopping: refuse new connections, let every connection flush what is queued, then close
     * it with 1001 (going away); waits up to transport.shutdown.flush.seconds for that.
     */
    public void shutdown() {
        if (shuttingDown) {
            return;
        }
        shuttingDown = true;
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        if (countRefresh != null) {
            countRefresh.cancel(false);
        }
        if (flusher != null) {
            flusher.run(); // what waits for a tick is flushed with everything else below
        }
        List<Connection> all = List.copyOf(open);
        int late = flushAndClose(all);
        LOG.info("shutdown: " + all.size() + " websockets closing with 1001, " + late + " did not finish in time");
    }

    /**
     * An HTTP session ended while sockets still use it (the application is stopping, or it was invalidated):
     * flush them and close with 1001 before the container closes them itself with 1008.
     */
    public void sessionEnded(HttpSession session) {
        String id = session.getId();
        flushAndClose(open.stream().filter(c -> c.httpSession() != null && id.equals(c.httpSession().getId()))
                .toList());
    }

    /**
     * Lets each connection write what is queued, then closes it with 1001; waits up to
     * transport.shutdown.flush.seconds. Returns how many were still open then. Called on container threads
     * that end things (application stop, session end), never on a WebSocket callback.
     */
    private int flushAndClose(List<Connection> targets) {
        for (Connection c : targets) {
            c.outbox().closeAfterFlush(CloseCodes.GOING_AWAY, "server shutting down");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.shutdownFlushMillis());
        while (targets.stream().anyMatch(c -> c.session().isOpen()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return (int) targets.stream().filter(c -> c.session().isOpen()).count();
    }

    @PreDestroy
    void stop() {
        shutdown();
    }

    /**
     * Admits an authenticated session, or closes it (1008 without a principal, 1013 over a cap) and returns
     * null. Never blocks for long: the close writes one small frame on a fresh connection.
     */
    public Connection open(Session session) throws IOException {
        Principal principal = session.getUserPrincipal();
        if (principal == null) { // web.xml requires role "user" for /ws/*; this is a second lock on the door
            LOG.warning(() -> "websocket without a principal closed (1008 not authenticated): path="
                    + (session.getRequestURI() == null ? null : session.getRequestURI().getPath()));
            session.close(new CloseReason(CloseCodes.VIOLATED_POLICY, "not authenticated"));
            return null;
        }
        String user = principal.getName();
        if (shuttingDown) {
            session.close(new CloseReason(CloseCodes.GOING_AWAY, "server shutting down"));
            return null;
        }
        if (total.incrementAndGet() > settings.maxConnections()) {
            total.decrementAndGet();
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.HANDSHAKES_REFUSED, "server_cap");
            refuse(session, user, "server connection limit reached");
            return null;
        }
        if (!perUser.tryAcquire(user, settings.maxConnectionsPerUser())) {
            total.decrementAndGet();
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.HANDSHAKES_REFUSED, "user_cap");
            refuse(session, user, "too many connections for this user");
            return null;
        }
        // Liberty enforces these per frame (1009); TextAssembler enforces the limit per whole message.
        session.setMaxTextMessageBufferSize(settings.maxFrameBytes());
        session.setMaxBinaryMessageBufferSize(settings.maxFrameBytes());
        // No Liberty idle timeout (setMaxIdleTimeout): the heartbeat closes silent clients (pongs count as life),
        // and Liberty's timer is a periodic task per session (every 4 s, re-scheduled after traffic) that cost an
        // idle server CPU for nothing (docs/benchmarks.md, 2026-12-07).
        boolean batch = SessionOutbox.BATCH_PROTOCOL.equals(session.getNegotiatedSubprotocol());
        SessionOutbox outbox = new SessionOutbox(session, user, settings.queueMaxMessages(),
                settings.queueMaxBytes(), executor, batch, flusher);
        RateLimiter limiter = new RateLimiter(settings.ratePerSecond(), settings.rateBurst(),
                settings.floodRejections(), TransportSettings.FLOOD_WINDOW_NANOS, System.nanoTime());
        HttpSession httpSession = session.getUserProperties().get(HTTP_SESSION) instanceof HttpSession h ? h : null;
        String entry = engine.node() + "/" + session.getId();
        Connection c = new Connection(session, outbox, new TextAssembler(settings.maxFrameBytes()), limiter,
                (String) session.getUserProperties().get(LOGIN_TOKEN), httpSession, entry);
        c.keeperKey = httpSessions.hold(httpSession);
        String path = session.getRequestURI().getPath();
        c.endpoint(path.equals("/ws") ? "ws" : path.startsWith("/ws/market") ? "market"
                : path.startsWith("/ws/game") ? "game" : "chat");
        open.add(c);
        if (c.loginToken() != null) {
            byLogin.computeIfAbsent(c.loginToken(), k -> ConcurrentHashMap.newKeySet()).add(c);
        }
        c.admission = engine.connections().admit(user, entry, settings.maxConnectionsPerUser()).toCompletableFuture();
        LOG.info(() -> "websocket open id=" + session.getId() + " user=" + user + " path="
                + session.getRequestURI().getPath());
        return c;
    }

    /**
     * Runs {@code then} once the cluster-wide per-user cap admitted the connection (at once on the memory engine),
     * unless the socket closed first; otherwise closes it with 1013: "too many connections for this user", or
     * "unavailable" when the shared store cannot be asked. Never on an engine thread. {@code then} is ordered with
     * {@link #closed}: endpoints call closed first in @OnClose, then undo what {@code then} started (see
     * {@link Connection#runIfOpen}).
     */
    public void whenAdmitted(Connection c, Runnable then) {
        if (c.admitted()) {
            c.runIfOpen(then);
            return;
        }
        c.admission.whenCompleteAsync((ok, failure) -> {
            if (failure == null && ok) {
                c.runIfOpen(then);
                return;
            }
            String reason = failure != null ? "unavailable" : "too many connections for this user";
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.HANDSHAKES_REFUSED,
                    failure != null ? "unavailable" : "user_cap");
            LOG.warning(() -> "websocket refused user=" + c.user() + " id=" + c.id() + " code=1013 reason=" + reason
                    + (failure == null ? " (across the cluster)" : ""));
            c.outbox().closeAsync(CloseCodes.TRY_AGAIN_LATER, reason);
        }, executor);
    }

    /** Keeps this node's admitted connections counted in the cluster-wide per-user cap. */
    void refreshCounts() {
        java.util.Map<String, String> entries = new java.util.HashMap<>();
        for (Connection c : open) {
            if (c.admitted()) {
                entries.put(c.entry, c.user());
            }
        }
        if (!entries.isEmpty()) {
            engine.connections().refresh(entries);
        }
    }

    private static void refuse(Session session, String user, String reason) throws IOException {
        LOG.warning(() -> "websocket refused user=" + user + " path=" + session.getRequestURI().getPath()
                + " code=1013 reason=" + reason);
        session.close(new CloseReason(CloseCodes.TRY_AGAIN_LATER, reason));
    }

    /**
     * An endpoint's @OnError: a peer that went away mid-write is ordinary (FINE); anything else is unexpected and
     * logged at WARNING with the connection id, user and path — never a message's text.
     */
    public static void logError(Logger log, Session session, Throwable t) {
        boolean ordinary = t instanceof IOException || t.getCause() instanceof IOException
                || t instanceof java.util.concurrent.CancellationException;
        String where = "websocket error id=" + session.getId() + " user="
                + (session.getUserPrincipal() == null ? "-" : session.getUserPrincipal().getName())
                + " path=" + session.getRequestURI().getPath() + ": " + t.getClass().getName();
        if (ordinary) {
            log.log(Level.FINE, where, t);
        } else {
            log.log(Level.WARNING, where, t);
        }
    }

    /**
     * The session closed (for any reason): release its place. Idempotent. Endpoints call it first in @OnClose, then
     * undo their joins, so that an admission still under way cannot join after the leave.
     */
    public void closed(Connection c, CloseReason reason) {
        if (c == null) {
            return;
        }
        c.end(); // an admission that completes from now on starts nothing
        if (!open.remove(c)) {
            return;
        }
        if (c.loginToken() != null) {
            byLogin.computeIfPresent(c.loginToken(), (k, set) -> {
                set.remove(c);
                return set.isEmpty() ? null : set;
            });
        }
        total.decrementAndGet();
        perUser.release(c.user());
        io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.CLOSES, io.wsshub.ops.Metrics.closeCode(reason.getCloseCode().getCode()));
        if (c.entry != null) {
            c.admission.thenAccept(ok -> {
                if (ok) {
                    engine.connections().release(c.user(), c.entry);
                }
            });
        }
        httpSessions.release(c.keeperKey, c.httpSession());
        LOG.info(() -> "websocket close id=" + c.id() + " user=" + c.user() + " path="
                + c.session().getRequestURI().getPath() + " code=" + reason.getCloseCode().getCode());
    }

    /** The open, admitted connections now (a copy). */
    public List<Connection> openConnections() {
        return List.copyOf(open);
    }

    public int openCount() {
        return open.size();
    }

    /** Closes, now and on the calling thread, every socket of {@code user}; returns how many. */
    public int closeUser(String user, CloseReason.CloseCode code, String reason) {
        return closeWhere(c -> user.equals(c.user()), code, reason);
    }

    /** Closes, now and on the calling thread, every socket that the given login authenticated. */
    public int closeLogin(String loginToken, CloseReason.CloseCode code, String reason) {
        Set<Connection> of = loginToken == null ? null : byLogin.get(loginToken);
        return of == null ? 0 : closeWhere(List.copyOf(of), c -> true, code, reason);
    }

    private int closeWhere(java.util.function.Predicate<Connection> which, CloseReason.CloseCode code,
                           String reason) {
        return closeWhere(open, which, code, reason);
    }

    private static int closeWhere(java.util.Collection<Connection> among, java.util.function.Predicate<Connection> which,
                                  CloseReason.CloseCode code, String reason) {
        int n = 0;
        for (Connection c : among) {
            if (which.test(c)) {
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
}
