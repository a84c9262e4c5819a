package io.wsshub.transport;

import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The outbound side of one WebSocket connection: a bounded queue drained by one asynchronous send at a time
 * (a second concurrent async send on a session is illegal). {@link #send} only enqueues, so a broadcaster is
 * never blocked by a slow reader; a reader that lets its queue exceed the bound (count or bytes) is closed
 * with 1013 (try again later) instead of growing the heap.
 *
 * <p>A client that negotiated the {@value #BATCH_PROTOCOL} subprotocol gets every server frame as a JSON array of
 * messages: whatever queued up while the previous write was in flight goes out as one frame (one TLS record, one
 * write), so a busy connection pays the per-frame cost once per batch instead of once per message. Nothing waits
 * for a batch to fill: an idle connection still gets each message at once, as an array of one.
 */
public final class SessionOutbox implements QueueingPeer, SendHandler {

    private static final Logger LOG = Logger.getLogger(SessionOutbox.class.getName());
    /** The outbox whose pump loop is running on this thread: lets an inline completion continue the loop. */
    private static final ThreadLocal<SessionOutbox> PUMPING = new ThreadLocal<>();
    /** The subprotocol a client offers to receive JSON arrays of messages (docs/protocol.md, "Batching"). */
    public static final String BATCH_PROTOCOL = "wsshub.batch";
    /** A batch stops growing at this many messages or UTF-16 chars, so one frame stays small for any client. */
    static final int BATCH_MAX_MESSAGES = 256;
    static final int BATCH_MAX_CHARS = 64 * 1024;

    private final Session session;
    private final String user;
    private final int maxMessages;
    private final long maxBytes;
    private final Executor closer;
    private final boolean batch;
    /** Non-null when writes of this batching connection wait for the next linger tick. */
    private final BatchFlusher flusher;
    private final AtomicBoolean marked = new AtomicBoolean();
    /** When the last batch write started (System.nanoTime); far in the past before the first. */
    private volatile long lastBatchNanos = System.nanoTime() - Long.MAX_VALUE / 2;

    /** Frames: Strings, or {@link OutFrame}s (shared, sized, and carrying when their message was accepted). */
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    /**
     * Looked up once: Liberty's getAsyncRemote() synchronizes on the session and allocates on every call. Only
     * touched by the thread that holds {@link #sending}, whose atomic hand-over publishes it to the next.
     */
    private RemoteEndpoint.Async remote;
    /** When the messages of the frame being written were accepted (0: not measured). */
    private final long[] inFlightAccepted = new long[BATCH_MAX_MESSAGES];
    /** Delivery latency of chat messages, looked up once (the write completion is a hot path). */
    private static final io.wsshub.ops.Metrics.Histogram LATENCY =
            io.wsshub.ops.Metrics.histogram(io.wsshub.ops.Metrics.DELIVERY_LATENCY);
    /** Messages written, under this connection's endpoint label (see {@link #endpoint}). */
    private volatile io.micrometer.core.instrument.Counter delivered =
            io.wsshub.ops.Metrics.counter(io.wsshub.ops.Metrics.MESSAGES_DELIVERED, "chat");
    private final AtomicInteger queuedMessages = new AtomicInteger();
    /** UTF-8 bytes of the queued frames (what the bound transport.queue.max.bytes counts). */
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** What the frame being written took from the queue (a frame from {@link #whenIdle} takes nothing). */
    private volatile int inFlightBytes;
    private volatile int inFlightMessages;
    /**
     * Frames that are produced only when the socket is free, after everything queued (conflated quotes):
     * asked for the next frame each time the queue is empty; null when the endpoint has none.
     */
    private volatile java.util.function.Supplier<String> whenIdle;
    /** Set by {@link #closeAfterFlush}: the close to send once everything queued has been written. */
    private volatile CloseReason closeWhenDrained;
    private final AtomicBoolean closeSent = new AtomicBoolean();
    private volatile long lastInbound = System.nanoTime();

    /**
     * @param closer runs closes that the overflow decides on: closing writes a close frame, which must not
     *               happen on the broadcaster's thread.
     */
    public SessionOutbox(Session session, String user, int maxMessages, long maxBytes, Executor closer) {
        this(session, user, maxMessages, maxBytes, closer, false, null);
    }

    /**
     * @param batch   send JSON arrays of messages (the client negotiated {@value #BATCH_PROTOCOL})
     * @param flusher with batch: hold writes for its next tick (the linger); null writes at once
     */
    public SessionOutbox(Session session, String user, int maxMessages, long maxBytes, Executor closer,
                         boolean batch, BatchFlusher flusher) {
        this.batch = batch;
        this.flusher = batch ? flusher : null;
        this.session = session;
        this.user = user;
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.closer = closer;
    }

    @Override
    public String id() {
        return session.getId();
    }

    @Override
    public String user() {
        return user;
    }

    /** Frames queued or being written, for tests and metrics. */
    @Override
    public int pending() {
        return queuedMessages.get();
    }

    @Override
    public boolean send(String frame) {
        if (closing.get()) {
            return false;
        }
        if (!enqueue(frame)) {
            return false;
        }
        afterEnqueue();
        return true;
    }

    /**
     * Starts writing what {@link #enqueue} queued (or marks it for the linger tick): {@link #send} is enqueue plus
     * this, for callers that queue under a lock of their own and must not write under it.
     */
    public void afterEnqueue() {
        if (flusher != null && System.nanoTime() - lastBatchNanos < flusher.lingerNanos()) {
            flusher.mark(this); // written within the linger already: wait for the tick, with whatever else arrives
        } else {
            pump(); // the first message after a quiet spell goes at once: a linger only costs busy connections
        }
    }

    /**
     * Queues a frame without starting to write it (a caller holding a lock that orders frames queues under it and
     * calls {@link #kick} after releasing it). False, and the connection closing with 1013, when over the bound.
     */
    public boolean enqueue(String frame) {
        return enqueue((Object) frame, Utf8.length(frame));
    }

    /** {@link #send} of a chat message accepted at {@code acceptedMillis}: its delivery latency is measured. */
    @Override
    public boolean send(String frame, long acceptedMillis) {
        return send(OutFrame.of(frame, acceptedMillis));
    }

    @Override
    public boolean send(OutFrame frame) {
        if (!enqueue(frame)) {
            return false;
        }
        afterEnqueue();
        return true;
    }

    /** {@link #enqueue(String)} of a shared frame (a chat message, whose delivery latency is measured). */
    public boolean enqueue(OutFrame frame) {
        return enqueue(frame, frame.bytes());
    }

    private static String text(Object queued) {
        return queued instanceof OutFrame f ? f.text() : (String) queued;
    }

    private static int bytes(Object queued) {
        return queued instanceof OutFrame f ? f.bytes() : Utf8.length((String) queued);
    }

    private boolean enqueue(Object queued, int size) {
        if (closing.get()) {
            return false;
        }
        int n = queuedMessages.incrementAndGet();
        long bytes = queuedBytes.addAndGet(size);
        if (n > maxMessages || bytes > maxBytes) {
            queuedMessages.decrementAndGet();
            queuedBytes.addAndGet(-size);
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.MESSAGES_DROPPED, "queue_overflow");
            if (!closing.get()) {
                io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.QUEUE_OVERFLOWS);
            }
            closeAsync(CloseReason.CloseCodes.TRY_AGAIN_LATER, "outbound queue full: client too slow");
            return false;
        }
        queue.add(queued);
        return true;
    }

    /** The endpoint ("chat", "market", "game") its deliveries are counted under. */
    void endpoint(String endpoint) {
        delivered = io.wsshub.ops.Metrics.counter(io.wsshub.ops.Metrics.MESSAGES_DELIVERED, endpoint);
    }

    @Override
    public boolean fits(String frame) {
        return Utf8.length(frame) <= maxBytes && maxMessages >= 1;
    }

    @Override
    public void close(int code, String reason) {
        closeAfterFlush(CloseReason.CloseCodes.getCloseCode(code), reason);
    }

    /**
     * True while the queue is at most half full (by count and by size). Replies to a client's own input (rate
     * refusals) are only queued then, so they can never be what overflows its queue: the other half stays for
     * the messages it asked for.
     */
    public boolean hasRoomForReplies() {
        return queuedMessages.get() <= maxMessages / 2 && queuedBytes.get() <= maxBytes / 2;
    }

    /** For the flusher: true if this outbox was not already waiting for a tick. */
    boolean markDirty() {
        return marked.compareAndSet(false, true);
    }

    /** The flusher's tick reached this outbox. */
    void flushMarked() {
        marked.set(false);
        pump();
    }

    private void pump() {
        SessionOutbox outer = PUMPING.get();
        PUMPING.set(this);
        try {
            while (sending.compareAndSet(false, true)) {
                String next = batch ? nextBatch() : nextSingle();
                if (next == null) {
                    sending.set(false);
                    if (queue.isEmpty()) {
                        CloseReason drained = closeWhenDrained;
                        if (drained != null) {
                            sendClose(drained);
                        }
                        return;
                    }
                    continue; // raced with a send() that saw sending == true
                }
                try {
                    RemoteEndpoint.Async r = remote;
                    if (r == null) {
                        remote = r = session.getAsyncRemote();
                    }
                    r.sendText(next, this);
                } catch (RuntimeException e) {
                    // the session is closed or broken: drop what is queued, @OnClose cleans up
                    sending.set(false);
                    discard();
                    return;
                }
                // If the write completed inline, onResult cleared `sending` and the loop sends the next frame;
                // otherwise the completion (on another thread) calls pump() itself.
            }
        } finally {
            PUMPING.set(outer);
        }
    }

    /** The next frame: one queued message, else one from the idle source; sets the in-flight accounting. */
    private String nextSingle() {
        Object queued = queue.poll();
        if (queued != null) {
            inFlightMessages = 1;
            inFlightAccepted[0] = queued instanceof OutFrame f ? f.acceptedMillis() : 0;
            inFlightBytes = bytes(queued);
            return text(queued);
        }
        inFlightMessages = 0;
        inFlightBytes = 0;
        java.util.function.Supplier<String> idle = whenIdle;
        return idle == null ? null : idle.get();
    }

    /**
     * Everything queued (up to the batch bounds), then idle-source frames if there is room, as one JSON array.
     * The frames are already encoded JSON objects, so the array is built by concatenation, not re-encoding.
     */
    private String nextBatch() {
        StringBuilder out = null;
        int messages = 0;
        int chars = 0;
        int bytes = 0;
        String next;
        Object queued;
        while (messages < BATCH_MAX_MESSAGES && chars < BATCH_MAX_CHARS && (queued = queue.poll()) != null) {
            next = text(queued);
            inFlightAccepted[messages] = queued instanceof OutFrame f ? f.acceptedMillis() : 0;
            out = append(out, next);
            messages++;
            chars += next.length();
            bytes += bytes(queued);
        }
        inFlightMessages = messages;
        inFlightBytes = bytes;
        java.util.function.Supplier<String> idle = whenIdle;
        while (idle != null && messages < BATCH_MAX_MESSAGES && (out == null || out.length() < BATCH_MAX_CHARS)
                && (next = idle.get()) != null) {
            out = append(out, next);
            messages++;
        }
        if (out == null) {
            return null;
        }
        lastBatchNanos = System.nanoTime();
        return out.append(']').toString();
    }

    private static StringBuilder append(StringBuilder out, String frame) {
        if (out == null) {
            return new StringBuilder(frame.length() + 2).append('[').append(frame);
        }
        return out.append(',').append(frame);
    }

    @Override
    public void onResult(SendResult result) {
        int messages = inFlightMessages;
        if (messages > 0) {
            queuedMessages.addAndGet(-messages);
            queuedBytes.addAndGet(-inFlightBytes);
        }
        if (result.isOK() && messages > 0) {
            delivered.increment(messages);
            long now = System.currentTimeMillis();
            for (int i = 0; i < messages; i++) {
                if (inFlightAccepted[i] > 0) {
                    LATENCY.observe(Math.max(0, now - inFlightAccepted[i]) / 1000.0);
                }
            }
        }
        sending.set(false);
        if (!result.isOK()) {
            discard();
            return;
        }
        if (PUMPING.get() != this) {
            pump();
        }
    }

    private void discard() {
        closing.set(true);
        Object s;
        while ((s = queue.poll()) != null) {
            queuedMessages.decrementAndGet();
            queuedBytes.addAndGet(-bytes(s));
        }
    }

    /** Closes the connection from another thread, dropping what is queued; idempotent. */
    public void closeAsync(CloseReason.CloseCode code, String reason) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closer.execute(() -> sendClose(new CloseReason(code, reason)));
    }

    /**
     * Refuses further frames and closes once everything already queued has been written (shutdown: nothing
     * accepted is lost). Returns at once.
     */
    public void closeAfterFlush(CloseReason.CloseCode code, String reason) {
        closeWhenDrained = new CloseReason(code, reason);
        closing.set(true);
        pump(); // closes now if idle; otherwise the last completion does
    }

    private void sendClose(CloseReason reason) {
        if (!closeSent.compareAndSet(false, true)) {
            return;
        }
        try {
            session.close(reason);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "close of session " + session.getId() + " failed", e);
        }
    }

    /**
     * Installs the source of frames that are produced only when the socket is free (see {@link #kick}).
     * Such frames never wait in the queue, so they never count against its bound.
     */
    @Override
    public void whenIdle(java.util.function.Supplier<String> source) {
        this.whenIdle = source;
    }

    /** The idle source has something: start writing if the socket is free. */
    @Override
    public void kick() {
        if (!closing.get()) {
            pump();
        }
    }

    /** The client sent something (a message or a pong): it is alive. */
    public void touched() {
        lastInbound = System.nanoTime();
    }

    /** Nanoseconds since the client last sent anything. */
    public long silentNanos(long now) {
        return now - lastInbound;
    }

    /**
     * Sends a ping if nothing is being written (a connection with data in flight needs no ping, and a control
     * frame must not be written while an async text write is in progress). Blocking for a moment at most:
     * call it off the broadcast path.
     */
    public void pingIfIdle(ByteBuffer payload) {
        if (closing.get() || !sending.compareAndSet(false, true)) {
            return;
        }
        try {
            session.getAsyncRemote().sendPing(payload);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "ping to " + session.getId() + " failed", e);
        } finally {
            sending.set(false);
        }
        pump(); // frames queued while the ping was written
    }

    public Session session() {
        return session;
    }
}
