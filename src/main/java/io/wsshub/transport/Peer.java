package io.wsshub.transport;

/**
 * One client connection as the services see it: who it is, and a non-blocking way to send it an encoded
 * frame. Services never touch a WebSocket {@code Session}, so they can be tested without sockets.
 */
public interface Peer {

    /** Unique for the life of the server. */
    String id();

    /** The authenticated user (the handshake's principal), never a name taken from a message. */
    String user();

    /**
     * Queues an already-encoded text frame. Never blocks. Returns false when the frame was not queued
     * (the connection is closing or its outbound bound was exceeded, in which case it is being closed).
     */
    boolean send(String frame);

    /**
     * {@link #send} of a chat message the server accepted at {@code acceptedMillis} (wall clock): the time until
     * its write completes is the delivery latency metric.
     */
    default boolean send(String frame, long acceptedMillis) {
        return send(frame);
    }

    /** {@link #send(String, long)} of a frame shared by many connections (see {@link OutFrame}). */
    default boolean send(OutFrame frame) {
        return send(frame.text(), frame.acceptedMillis());
    }

    /**
     * Closes the connection with {@code code} after what is queued for it has been written. Never blocks. A peer
     * that is one subscription of a /ws connection ({@link #channel} not null) ends only that subscription.
     */
    void close(int code, String reason);

    /**
     * The /ws channel this peer is one subscription of, or null for a single-channel connection
     * ({@code /ws/chat/{room}}): frames to it name the channel instead of the room.
     */
    default String channel() {
        return null;
    }

    /** True when {@code frame} alone fits in the connection's outbound queue bound. */
    default boolean fits(String frame) {
        return true;
    }
}
