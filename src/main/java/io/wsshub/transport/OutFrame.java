package io.wsshub.transport;

/**
 * An encoded frame shared by every connection it is delivered to (one chat message to a room's members): its
 * UTF-8 size is counted once, and queueing it allocates nothing per member. {@code acceptedMillis} is when the
 * server accepted the message (wall clock), for the delivery latency metric; 0 when not measured.
 */
public record OutFrame(String text, int bytes, long acceptedMillis) {

    public static OutFrame of(String text, long acceptedMillis) {
        return new OutFrame(text, Utf8.length(text), acceptedMillis);
    }
}
