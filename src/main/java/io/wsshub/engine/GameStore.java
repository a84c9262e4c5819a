package io.wsshub.engine;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * What the nodes share of the games (docs/cluster.md): the matchmaking queue, each match's record, the due times
 * of its clocks, which users have a game connection anywhere, and each match's spectators. The rules are not here:
 * a node reads a record, applies an intent with {@link io.wsshub.game.Board} and writes the result back with
 * {@link #update}, a compare-and-set on the record's {@code rev}; so any node can apply any move, and of two nodes
 * claiming the same expired clock exactly one succeeds.
 *
 * <p>Stages complete on an engine thread; {@link #onEvent} listeners are called in publication order.
 */
public interface GameStore {

    /** Receives every match event published by any node (this one included). */
    void onEvent(Consumer<GameEvent> listener);

    /**
     * Matchmaking in one atomic step: refuses a user who waits or plays already; otherwise pairs the user with the
     * first waiting user who is still connected somewhere (creating the match and publishing a {@code new} event)
     * or puts the user in the queue.
     *
     * @param userIsRed which seat the caller gets if matched (drawn by the caller); R moves first
     */
    CompletionStage<Queued> queue(String user, String matchId, boolean userIsRed, long deadlineMillis);

    CompletionStage<Void> unqueue(String user);

    /** The match's record as its players may see it, or null. */
    CompletionStage<MatchRecord> get(String matchId);

    /**
     * The match's newest record, to decide a change on, or null. Where a write is shown only once replicas confirm
     * it (redis.ack.replicas), a write not shown yet is confirmed and shown first (or this fails with
     * {@link EngineUnavailable}): nothing is decided on a record no player may see.
     */
    default CompletionStage<MatchRecord> current(String matchId) {
        return get(matchId);
    }

    /** The user's unfinished match, or null (one per user). */
    CompletionStage<MatchRecord> unfinished(String user);

    /**
     * Stores {@code next} under a new write stamp if the stored record is still {@code basis} (its rev and stamp: a
     * store that lost writes may hold another record under the same rev, which a move decided on the lost one
     * must not overwrite), schedules its next check at {@code dueMillis} and publishes {@code event} (with the
     * stored record); false when another write came first. A finished record frees its players for a new match.
     */
    CompletionStage<Boolean> update(MatchRecord basis, MatchRecord next, long dueMillis, GameEvent event);

    /** A new write stamp: random, so that two writes of one rev (before and after a store lost one) differ. */
    static String newStamp() {
        return Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1, 36);
    }

    /** Moves the match's next check to {@code dueMillis} if its rev is still {@code rev}. */
    CompletionStage<Boolean> reschedule(String matchId, long rev, long dueMillis);

    /**
     * Deletes a finished match (publishing a {@code gone} event) if it is still {@code last} (rev and stamp); with
     * {@code last} null, cleans up after a record that is gone already.
     */
    CompletionStage<Boolean> remove(String matchId, MatchRecord last);

    /**
     * Matches whose next check is due; on Redis each is taken for a short lease, so that the nodes share the
     * checks instead of all doing each (the compare-and-set, not the lease, is what makes a claim land once).
     */
    CompletionStage<List<String>> due(long nowMillis, int limit);

    /** The matches that exist (playing, or finished and kept), each with its spectator count. */
    CompletionStage<List<LobbyRow>> live();

    /**
     * This node has a game connection of {@code user} (on) or no longer has one (off); completes with whether the
     * user has one on any node afterwards.
     */
    CompletionStage<Boolean> online(String user, boolean on);

    /** Whether the user has a game connection on any node (a dead node's count expire). */
    CompletionStage<Boolean> connected(String user);

    /** Counts a spectator entry unless the match has {@code max} already; true when counted. */
    CompletionStage<Boolean> spectate(String matchId, String entry, int max);

    void unspectate(String matchId, String entry);

    /** Keeps this node's users and spectator entries (entry -> matchId) counted; a dead node's expire. */
    CompletionStage<Void> refresh(Collection<String> users, Map<String, String> spectators);

    /** The outcome of {@link #queue}: {@code queued}, {@code matched}, {@code already_queued}, {@code already_playing}. */
    record Queued(String outcome, String matchId) {
    }

    record LobbyRow(MatchRecord match, int spectators) {
    }

    /** A move as the state frame shows it. */
    record LastMove(String seat, int col, int row) {
    }

    /**
     * A match as stored: {@code ver} is the public version (one per accepted change), {@code rev} counts every
     * write (grace periods too) and is, with {@code stamp} (set by the store at each write; null for a match's
     * first record), what {@link #update} compares. Times are epoch milliseconds.
     */
    record MatchRecord(String id, String red, String yellow, String board, long ver, long rev, String turn,
                       Long deadline, String status, LastMove lastMove, String winner, String reason,
                       List<int[]> line, Long endedAt, Long graceR, Long graceY, String stamp) {

        public MatchRecord stamped(String s) {
            return new MatchRecord(id, red, yellow, board, ver, rev, turn, deadline, status, lastMove, winner, reason,
                    line, endedAt, graceR, graceY, s);
        }

        /** The same write as {@code other}: its rev and stamp. */
        public boolean sameWrite(MatchRecord other) {
            return other != null && rev == other.rev && java.util.Objects.equals(stamp, other.stamp);
        }

        public boolean over() {
            return "over".equals(status);
        }

        public String seatOf(String user) {
            return red.equals(user) ? "R" : yellow.equals(user) ? "Y" : null;
        }

        public Long graceOf(String seat) {
            return "R".equals(seat) ? graceR : graceY;
        }
    }

    /**
     * @param kind {@code new} (a match was made), {@code state} (ver changed), {@code presence} (a player's
     *             connection state changed: {@code user}, {@code connected}), {@code gone} (a finished match was
     *             removed)
     */
    record GameEvent(String kind, MatchRecord match, String user, Boolean connected) {
    }
}
