package io.wsshub.engine;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Each room's stream (docs/cluster.md): its id sequence and epoch, the retained history, clientId de-duplication,
 * and the delivery of its events to the nodes subscribed to it.
 *
 * <p>Deliveries: a stored message and a presence change reach the {@link RoomListener} on every node that
 * {@link #subscribe subscribed} to the room (the memory engine calls it for every room), the sender's own node
 * included: there is one delivery path. They may arrive late, twice or not at all (a lost pub/sub message); the
 * listener orders them by id, drops duplicates and fills gaps with {@link #range}.
 */
public interface Broker {

    void onRoom(RoomListener listener);

    /** Starts this node's deliveries of the room; completes once they are guaranteed. */
    CompletionStage<Void> subscribe(String room);

    /** Stops this node's deliveries of the room. */
    void unsubscribe(String room);

    /**
     * Stores a message under the room's next id and publishes it, in one atomic step; a clientId the user already
     * used in the room (within retained history) returns the original instead, consuming no id.
     *
     * @param seen the room as this node last delivered it, or null: a store found behind it lost writes and is
     *             {@link #heal healed} first, so the message gets a new epoch and no id this node delivered
     */
    CompletionStage<Published> publish(String room, String user, String text, String ts, String clientId,
                                       Position seen, UserQuota quota);

    /** An unmetered publish from a node that has not seen the room. */
    default CompletionStage<Published> publish(String room, String user, String text, String ts, String clientId) {
        return publish(room, user, text, ts, clientId, null, null);
    }

    /**
     * This node delivered the room up to {@code seen}, but the store has less: it lost acknowledged writes (a
     * Redis restarted from an older file, or a failover to a replica that lagged). Unless that was healed already,
     * the room gets a new epoch (clients that resume are told {@code recovered:false}) and its ids continue above
     * {@code seen.top}, so no id any member saw is handed to another message. Returns the room's position after.
     */
    CompletionStage<Position> heal(String room, Position seen);

    /** The retained messages with {@code after < id <= upTo}, oldest first. */
    CompletionStage<List<StoredMessage>> range(String room, long after, long upTo);

    /** The room's epoch and newest id (null epoch: the room has no state). */
    CompletionStage<Position> position(String room);

    /**
     * A page of history for the server API: the room's epoch and newest id, and the first {@code limit} retained
     * messages with an id above {@code after}, oldest first.
     */
    CompletionStage<History> history(String room, long after, int limit);

    /** Deliveries of a room's events to this node. */
    interface RoomListener {

        void message(String room, String epoch, StoredMessage message);

        /**
         * @param pv      the room's presence version: increases by one per join or leave, so a connection can
         *                skip the changes its welcome already reflects
         * @param count   the members after the change
         * @param members those members, sorted; null when the engine left a long list out (presence.list.max)
         */
        void presence(String room, String epoch, long pv, String event, String user, int count,
                      List<String> members);

        /**
         * This node's deliveries were down and work again (its pub/sub connection to Redis was re-established, a
         * failover): anything published meanwhile never arrived, and each room should be checked now.
         */
        default void resubscribed() {
        }
    }

    /** A stored chat message. */
    record StoredMessage(long id, String from, String text, String ts, String clientId) {
    }

    /** A publish: the stored message, or with {@code duplicate} the original stored under that clientId. */
    record Published(String epoch, StoredMessage message, boolean duplicate) {
    }

    record Position(String epoch, long top) {
    }

    /** A page of a room's history (null epoch: the room has no state). */
    record History(String epoch, long top, List<StoredMessage> messages) {
    }
}
