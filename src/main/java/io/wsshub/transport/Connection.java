package io.wsshub.transport;

import jakarta.servlet.http.HttpSession;
import jakarta.websocket.CloseReason.CloseCodes;
import jakarta.websocket.Session;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One open, admitted WebSocket connection: its outbound queue and its inbound limits (message size, rate).
 * Endpoints hand every received part to {@link #accept} and act only on the whole, admitted messages it returns.
 */
public final class Connection {

    public static final String RATE_LIMITED = "rate_limited";
    private static final Logger LOG = Logger.getLogger(Connection.class.getName());

    private final Session session;
    private final SessionOutbox outbox;
    private final TextAssembler assembler;
    private final RateLimiter limiter;
    private final String loginToken;
    private final HttpSession httpSession;
    private boolean refusing;
    /** This connection's entry in the engine's per-user count: node/session. */
    final String entry;
    /** The cluster-wide per-user cap's answer (completed at once on the memory engine). */
    java.util.concurrent.CompletableFuture<Boolean> admission = java.util.concurrent.CompletableFuture.completedFuture(true);
    /** The key its HTTP session is held under (HttpSessionKeeper), or null. */
    String keeperKey;
    /** "chat", "market" or "game": the metrics' endpoint label. */
    String endpoint = "chat";
    /** Messages received under that label, looked up once. */
    private io.micrometer.core.instrument.Counter received =
            io.wsshub.ops.Metrics.counter(io.wsshub.ops.Metrics.MESSAGES_RECEIVED, "chat");

    /** Without an engine entry (tests of the inbound limits). */
    Connection(Session session, SessionOutbox outbox, TextAssembler assembler, RateLimiter limiter,
               String loginToken, HttpSession httpSession) {
        this(session, outbox, assembler, limiter, loginToken, httpSession, null);
    }

    Connection(Session session, SessionOutbox outbox, TextAssembler assembler, RateLimiter limiter,
               String loginToken, HttpSession httpSession, String entry) {
        this.session = session;
        this.outbox = outbox;
        this.assembler = assembler;
        this.limiter = limiter;
        this.loginToken = loginToken;
        this.httpSession = httpSession;
        this.entry = entry;
    }

    /** Labels its metrics with its endpoint ("chat", "market", "game"). */
    void endpoint(String endpoint) {
        this.endpoint = endpoint;
        this.received = io.wsshub.ops.Metrics.counter(io.wsshub.ops.Metrics.MESSAGES_RECEIVED, endpoint);
        outbox.endpoint(endpoint);
    }

    /** Guarded by this: the socket closed (set first thing in Connections.closed). */
    private boolean ended;

    /** The per-user cap (cluster-wide on the redis engine) admitted it: it is counted there. */
    public boolean admitted() {
        return admission.isDone() && !admission.isCompletedExceptionally() && admission.join();
    }

    /**
     * Runs {@code r} unless the socket closed, atomically with the close: an endpoint that starts its joins here and
     * undoes them after {@link Connections#closed} can never join after the leave (a ghost member). {@code r} runs
     * under this connection's monitor, so it must only hand work on (queue frames, start asynchronous calls).
     */
    synchronized boolean runIfOpen(Runnable r) {
        if (ended) {
            return false;
        }
        r.run();
        return true;
    }

    synchronized void end() {
        ended = true;
    }

    HttpSession httpSession() {
        return httpSession;
    }

    public SessionOutbox outbox() {
        return outbox;
    }

    public String user() {
        return outbox.user();
    }

    public String id() {
        return session.getId();
    }

    Session session() {
        return session;
    }

    /** A hash of the login cookie the handshake carried, or null (e.g. HTTP Basic). */
    String loginToken() {
        return loginToken;
    }

    /**
     * Takes a part of a text message. Returns the whole message when it is complete and within the limits;
     * null otherwise, having already answered: an error frame when over the rate limit, close 1009 when too
     * big, close 1008 when the client keeps flooding (too many refusals in the flood window, or refusals it
     * does not read: its outbound queue is over half full).
     */
    public String accept(String part, boolean last) {
        outbox.touched();
        if (refusing) {
            return null;
        }
        String text;
        try {
            text = assembler.add(part, last);
        } catch (TextAssembler.TooBig e) {
            refusing = true;
            outbox.closeAsync(CloseCodes.TOO_BIG, "message larger than " + assembler.maxBytes() + " bytes");
            return null;
        }
        if (text == null) {
            return null;
        }
        switch (limiter.take(System.nanoTime())) {
            case ACCEPT:
                received.increment();
                return text;
            case REJECT:
                io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.MESSAGES_DROPPED, "rate_limited");
                if (outbox.hasRoomForReplies()) {
                    outbox.send(Json.encode(ErrorFrame.of(RATE_LIMITED, "too many messages: slow down")));
                    return null;
                }
                // No room: it sends faster than it reads our refusals, a flood rather than a slow reader (else
                // the refusals themselves would overflow its queue into a 1013). Falls through to the flood close.
            default:
                refusing = true;
                outbox.closeAsync(CloseCodes.VIOLATED_POLICY, "message flood");
                return null;
        }
    }

    /**
     * Takes a part of a text message and, once a whole admitted message is there, hands it to {@code handler}.
     * A RuntimeException from the handler is a bug, not bad input: it is logged and the connection closed with
     * 1011 rather than left hanging.
     */
    public void onText(String part, boolean last, Consumer<String> handler) {
        String text = accept(part, last); // null: incomplete, or refused and already answered
        if (text == null) {
            return;
        }
        try {
            handler.accept(text);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "failure handling a frame on " + id() + " " + session.getRequestURI().getPath(), e);
            outbox.closeAsync(CloseCodes.UNEXPECTED_CONDITION, "server error");
        }
    }

    /**
     * {@link #onText} for endpoints whose messages are typed JSON frames: a message the decoder refuses is answered
     * with its error frame on this connection only; a decoded frame goes to {@code handler}.
     */
    public <T> void onFrame(String part, boolean last, TypedFrameDecoder<T> decoder, Consumer<T> handler) {
        onText(part, last, text -> {
            T frame;
            try {
                frame = decoder.decode(text);
            } catch (FrameDecodeException e) {
                io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.MESSAGES_DROPPED, "invalid");
                error(e.code(), e.getMessage());
                return;
            }
            handler.accept(frame);
        });
    }

    /** A part of a binary message: dropped as it comes (nothing buffered); the last part is answered. */
    public void onBinary(boolean last) {
        touched();
        if (last) {
            error(ErrorFrame.BAD_JSON, "binary frames are not supported: send JSON text frames");
        }
    }

    /** A pong (or any other sign of life) from the client. */
    public void touched() {
        outbox.touched();
    }

    /** Answers bad input on this connection only. */
    public void error(String code, String message) {
        outbox.send(Json.encode(ErrorFrame.of(code, message)));
    }
}
