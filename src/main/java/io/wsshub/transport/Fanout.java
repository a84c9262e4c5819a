package io.wsshub.transport;

/**
 * Delivery of encoded frames to every connection of a room. The in-memory implementation delivers to this
 * server's connections; a broker-backed one would also carry the frame to the other servers, without any
 * change to the endpoints or services that call it.
 */
public interface Fanout {

    /** Delivers {@code frame} to every connection subscribed to {@code room}, in publish order. */
    void publish(String room, String frame);

    /** Subscribes a local connection to the room's deliveries. */
    void subscribe(String room, Peer peer);

    /** Stops the room's deliveries to a local connection. */
    void unsubscribe(String room, Peer peer);
}
