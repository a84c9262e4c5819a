package io.wsshub.engine;

import java.util.Map;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * What the nodes of a cluster share (docs/cluster.md): each room's id sequence, epoch, history and clientId
 * de-duplication, room presence, the market's quotes, and logouts. Two implementations: {@link MemoryEngine}
 * (one server, nothing shared) and {@link RedisEngine} (any number of nodes on one Redis).
 *
 * <p>Every operation returns at once; the stage completes on an engine thread (for Redis a Netty thread, so
 * callers hand further work to their own executor). A stage that fails with {@link EngineUnavailable} means the
 * shared store could not be reached and nothing was changed, or nothing is known to have changed.
 *
 * <p>Deliveries: a stored message and a presence change reach {@link RoomListener} on every node that
 * {@link #subscribe subscribed} to the room (the memory engine calls it for every room), the sender's own node
 * included: there is one delivery path. They may arrive late, twice or not at all (a lost pub/sub message); the
 * listener orders them by id, drops duplicates and fills gaps with {@link #range}.
 */
public interface Engine {

    /** "memory" or "redis". */
    String kind();

    /** This node's name (node.name), for logs and presence entries. */
    String node();

    /** True while the shared store answers (always for memory). */
    boolean up();

    // ---- chat ------------------------------------------------------------------------------------------------

    void onRoom(RoomListener listener);

    /** Starts this node's deliveries of the room; completes once they are guaranteed. */
    CompletionStage<Void> subscribe(String room);

    /** Stops this node's deliveries of the room. */
    void unsubscribe(String room);

    /**
     * Adds a presence entry (one connection) and reads the room's position and history, in one atomic step; the
     * user's first entry anywhere publishes a {@code join}.
     *
     * @param since   the client's last id for a resume, or -1 for a plain join
     * @param epoch   the client's epoch for a resume (ignored without since)
     * @param welcome how many of the newest messages a plain (or unrecovered) welcome carries
     */
    CompletionStage<Joined> join(String room, String entry, String user, long since, String epoch, int welcome);

    /** Removes a presence entry; the user's last entry anywhere publishes a {@code leave}. */
    CompletionStage<Void> leave(String room, String entry, String user);

    /**
     * Keeps this node's presence entries of a room alive, entry -> user (entries not refreshed expire: a dead
     * node's users leave).
     */
    CompletionStage<Void> refresh(String room, Map<String, String> entries);

    /**
     * Stores a message under the room's next id and publishes it, in one atomic step; a clientId the user already
     * used in the room (within retained history) returns the original instead, consuming no id.
     */
    CompletionStage<Published> publish(String room, String user, String text, String ts, String clientId);

    /** The retained messages with {@code after < id <= upTo}, oldest first. */
    CompletionStage<List<StoredMessage>> range(String room, long after, long upTo);

    /** The room's epoch and newest id (null epoch: the room has no state). */
    CompletionStage<Position> position(String room);

    /**
     * A page of history for the server API: the room's epoch and newest id, and the first {@code limit} retained
     * messages with an id above {@code after}, oldest first.
     */
    CompletionStage<History> history(String room, long after, int limit);

    /** The users with a presence entry in the room now, sorted. */
    CompletionStage<List<String>> members(String room);

    // ---- connections ----------------------------------------------------------------------------------------

    /**
     * Counts one more connection of {@code user} across the cluster unless it has {@code max} there already
     * (memory: always true, the node's own cap is the cluster's).
     */
    CompletionStage<Boolean> admit(String user, String entry, int max);

    /** A connection admitted by {@link #admit} closed. */
    void release(String user, String entry);

    /** Keeps this node's admitted connections counted, entry -> user (a dead node's expire). */
    CompletionStage<Void> refreshConnections(Map<String, String> entries);

    // ---- market ----------------------------------------------------------------------------------------------

    /** Receives every quote published anywhere, and at start the last quote of every known symbol. */
    void onQuote(Consumer<Quote> listener);

    /** Sets a symbol's price under the symbol's next seq and publishes the quote to every node. */
    CompletionStage<Quote> publishQuote(String symbol, String price, String ts);

    /** True on the one node that runs the simulated feed now (a lease, for redis). */
    boolean holdsFeedLease();

    // ---- logins ----------------------------------------------------------------------------------------------

    /** Receives every logged-out login (hash of its cookie) on every node, and at start those still revoked. */
    void onLogout(Consumer<String> listener);

    /** Revokes a login on every node. */
    CompletionStage<Void> logout(String tokenHash);

    /** Receives every user whose sockets must close on every node (the operator's disconnect). */
    void onDisconnect(Consumer<String> listener);

    /** Tells every node (this one included) to close the user's sockets. */
    CompletionStage<Void> disconnect(String user);

    // ---- games -----------------------------------------------------------------------------------------------

    /** The shared state of the games. */
    GameStore games();

    /** Stops the engine's threads and connections (application stop). */
    void close();

    /** Deliveries of a room's events to this node. */
    interface RoomListener {

        void message(String room, String epoch, StoredMessage message);

        /**
         * @param pv the room's presence version: increases by one per join or leave, so a connection can skip
         *           the changes its welcome already reflects
         */
        void presence(String room, String epoch, long pv, String event, String user, List<String> members);
    }

    /** A stored chat message. */
    record StoredMessage(long id, String from, String text, String ts, String clientId) {
    }

    /**
     * The result of a join: the room's epoch, newest id and presence version when the entry was added, the
     * members then, and the welcome's history (recovered: null for a plain join).
     */
    record Joined(String epoch, long top, long pv, List<String> members, List<StoredMessage> history,
                  Boolean recovered) {
    }

    /** A publish: the stored message, or with {@code duplicate} the original stored under that clientId. */
    record Published(String epoch, StoredMessage message, boolean duplicate) {
    }

    record Position(String epoch, long top) {
    }

    /** A page of a room's history (null epoch: the room has no state). */
    record History(String epoch, long top, List<StoredMessage> messages) {
    }

    /** A symbol's quote: {@code open} is its first price, {@code seq} increases by one per update. */
    record Quote(String symbol, String price, String open, long seq, String ts) {
    }
}
