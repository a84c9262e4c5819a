package io.wsshub.engine;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Who is in each room, across the cluster: one entry per connection (or /ws subscription), a user joining with
 * their first entry and leaving with their last. Changes are delivered with the room's events
 * ({@link Broker.RoomListener#presence}).
 */
public interface Presence {

    /**
     * Adds a presence entry and reads the room's position and history, in one atomic step (so the welcome and the
     * live events after it line up); the user's first entry anywhere publishes a {@code join}.
     *
     * @param since   the client's last id for a resume, or -1 for a plain join
     * @param epoch   the client's epoch for a resume (ignored without since)
     * @param welcome how many of the newest messages a plain (or unrecovered) welcome carries
     * @param resumeMax a resume that missed more messages than this is not recovered (and reads no range): what
     *                  one handshake may cost the store, whatever a reconnect loop asks
     * @param seen    the room as this node last delivered it, or null (see {@link Broker#heal})
     * @param quota   the user's hourly quota, counted when the join makes a new room (null: none); a join past it
     *                fails with {@link QuotaExceeded}
     */
    CompletionStage<Joined> join(String room, String entry, String user, long since, String epoch, int welcome,
                                 int resumeMax, Broker.Position seen, UserQuota quota);

    /** A join from a node that has not seen the room, without a resume budget. */
    default CompletionStage<Joined> join(String room, String entry, String user, long since, String epoch,
                                         int welcome) {
        return join(room, entry, user, since, epoch, welcome, Integer.MAX_VALUE, null, null);
    }

    /** Removes a presence entry; the user's last entry anywhere publishes a {@code leave}. */
    CompletionStage<Void> leave(String room, String entry, String user);

    /**
     * Keeps this node's presence entries of a room alive, entry -> user (entries not refreshed expire: a dead
     * node's users leave).
     */
    CompletionStage<Void> refresh(String room, Map<String, String> entries);

    /** The users with a presence entry in the room now, sorted. */
    CompletionStage<List<String>> members(String room);

    /**
     * The result of a join: the room's epoch, newest id and presence version when the entry was added, how many
     * members there were then and who (null when the engine left a long list out), and the welcome's history
     * (recovered: null for a plain join).
     */
    record Joined(String epoch, long top, long pv, int count, List<String> members,
                  List<Broker.StoredMessage> history, Boolean recovered) {
    }
}
