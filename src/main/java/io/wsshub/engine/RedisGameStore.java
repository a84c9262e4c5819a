package io.wsshub.engine;

import io.lettuce.core.ScriptOutputType;
import jakarta.json.spi.JsonProvider;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The games on Redis (docs/cluster.md, "Games"): a match is a hash (its record as JSON, and its rev) written only by
 * {@code game-update.lua}, a compare-and-set that also publishes the event, so every node sees the writes in order.
 * With redis.ack.replicas it stores the record held instead (readers keep the last confirmed one) and
 * {@code game-commit.lua} shows and publishes it once replicas confirmed it; whoever reads it to decide a change
 * confirms it first ({@link #current}), so a held record whose writer failed is shown or lost, not decided on.
 * Matchmaking is one script (never an over-filled match). Clocks are a sorted set of next-check times that every
 * node polls; whoever's compare-and-set lands first applies a timeout, the others find the record changed.
 *
 * <p>Keys are built inside the scripts from a prefix (an opponent is only known there): one Redis server or a
 * primary with replicas, not Redis Cluster.
 */
final class RedisGameStore implements GameStore {

    private static final Logger LOG = Logger.getLogger(RedisGameStore.class.getName());
    static final String PREFIX = "wsshub:game:";
    static final String EVENTS = "wsshub:games";
    private static final String QUEUE = PREFIX + "queue";
    private static final String DUE = PREFIX + "due";
    private static final String LIVE = PREFIX + "live";
    /** A match's keys outlive any match (turn clocks end it); they only bound what a stopped cluster leaves. */
    private static final String KEY_TTL_SECONDS = Long.toString(24 * 3600);
    /** How long a node that took a due match has it to itself (its check takes milliseconds). */
    private static final String DUE_LEASE_MILLIS = "1000";
    /** How often a read confirms a held record that another node's held write replaced meanwhile. */
    private static final int CONFIRM_ATTEMPTS = 3;
    private static final Jsonb JSON = JsonbBuilder.create();
    /** Looked up once: Json.createValue looks the provider up on every call (a service-loader scan). */
    private static final JsonProvider JSONP = JsonProvider.provider();

    private final RedisEngine redis;
    private final String node;
    private final String ttlMillis;
    private final RedisEngine.Script queueScript;
    private final RedisEngine.Script dueScript;
    private final RedisEngine.Script updateScript;
    private final RedisEngine.Script removeScript;
    private final RedisEngine.Script lobbyScript;
    private final RedisEngine.Script spectateScript;
    private final RedisEngine.Script onlineScript;
    private final RedisEngine.Script refreshScript;
    private final RedisEngine.Script confirmScript;
    private final RedisEngine.Script commitScript;
    private volatile Consumer<GameEvent> listener;

    RedisGameStore(RedisEngine redis, String node, long presenceTtlMillis) {
        this.redis = redis;
        this.node = node;
        this.ttlMillis = Long.toString(presenceTtlMillis);
        this.queueScript = RedisEngine.script("game-queue");
        this.dueScript = RedisEngine.script("game-due");
        this.updateScript = RedisEngine.script("game-update");
        this.removeScript = RedisEngine.script("game-remove");
        this.lobbyScript = RedisEngine.script("game-lobby");
        // a capped sorted set of live entries, as for the per-user connection cap
        this.spectateScript = RedisEngine.script("game-spectate", "admit");
        this.onlineScript = RedisEngine.script("game-online");
        this.refreshScript = RedisEngine.script("game-refresh");
        this.confirmScript = RedisEngine.script("game-confirm");
        this.commitScript = RedisEngine.script("game-commit");
    }

    private static String match(String id) {
        return PREFIX + "m:" + id;
    }

    private static String player(String user) {
        return PREFIX + "p:" + user;
    }

    private static String online(String user) {
        return PREFIX + "o:" + user;
    }

    private static String spectators(String id) {
        return PREFIX + "s:" + id;
    }

    /** A message on the events channel (a Netty thread calls this through the engine's serial executor). */
    void deliver(String message) {
        Consumer<GameEvent> l = listener;
        if (l == null) {
            return;
        }
        try {
            l.accept(JSON.fromJson(message, GameEvent.class));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "redis engine: unreadable game event", e);
        }
    }

    @Override
    public void onEvent(Consumer<GameEvent> listener) {
        this.listener = listener;
    }

    @Override
    public CompletionStage<Queued> queue(String user, String matchId, boolean userIsRed, long deadlineMillis) {
        boolean hold = redis.ackReplicas() > 0;
        String stamp = GameStore.newStamp();
        String[] keys = {QUEUE, player(user)};
        String[] args = {user, matchId, userIsRed ? "1" : "0", Long.toString(deadlineMillis), PREFIX, EVENTS,
                KEY_TTL_SECONDS, DUE, LIVE, hold ? "1" : "", stamp};
        if (!hold) {
            return redis.<List<Object>>eval(queueScript, ScriptOutputType.MULTI, keys, args).thenApply(RedisGameStore::queued);
        }
        // redis.ack.replicas: a match is made (and shown to its players) once replicas have it; a user told
        // already_playing is told so of a match that is shown (one whose creator could not confirm it is now)
        return redis.<List<Object>>evalAcked(queueScript, ScriptOutputType.MULTI, keys, args).thenCompose(r -> {
            Queued q = queued(r);
            return switch (q.outcome()) {
                case "matched" -> commit(q.matchId(), stamp).handle((x, e) -> q);
                case "already_playing" -> current(q.matchId()).thenApply(m -> q);
                default -> CompletableFuture.completedFuture(q);
            };
        });
    }

    private static Queued queued(List<Object> r) {
        return new Queued((String) r.get(0), r.size() > 1 ? (String) r.get(1) : null);
    }

    @Override
    public CompletionStage<Void> unqueue(String user) {
        return redis.command(c -> c.lrem(QUEUE, 0, user)).thenApply(n -> null);
    }

    @Override
    public CompletionStage<MatchRecord> get(String matchId) {
        // a held record (redis.ack.replicas) is not shown before replicas confirm it: crec is the last confirmed one.
        // Parsed on the engine's executor: never on one of the two Redis I/O threads every node's command shares.
        return redis.command(c -> c.hmget(match(matchId), "rec", "crec")).thenApplyAsync(
                kv -> record(kv.get(1).getValueOrElse(kv.get(0).getValueOrElse(null))), redis.executor());
    }

    /**
     * The newest record; a held one is first confirmed (a write on the connection that waits for replicas, after
     * it in the replication stream, then its WAIT) and shown with its event, so that nothing is decided on a
     * record no player may see — its writer may have failed or died before confirming it.
     */
    @Override
    public CompletionStage<MatchRecord> current(String matchId) {
        return redis.command(c -> c.hmget(match(matchId), "rec", "h", "st")).thenCompose(kv -> {
            String rec = kv.get(0).getValueOrElse(null);
            if (rec == null || kv.get(1).getValueOrElse(null) == null) {
                return CompletableFuture.completedFuture(rec);
            }
            return confirm(matchId, kv.get(2).getValueOrElse(""), CONFIRM_ATTEMPTS);
        }).thenApplyAsync(RedisGameStore::record, redis.executor());
    }

    /** Its writer's confirmation came: shows the record held under {@code stamp} and publishes its event. */
    private CompletionStage<Long> commit(String matchId, String stamp) {
        return redis.eval(commitScript, ScriptOutputType.INTEGER, new String[] {match(matchId)}, stamp, EVENTS);
    }

    /** Confirms and shows the record held under {@code stamp}; completes with the match's record JSON as it is then. */
    private CompletionStage<String> confirm(String matchId, String stamp, int attempts) {
        String[] key = {match(matchId)};
        return redis.<Long>evalAcked(confirmScript, ScriptOutputType.INTEGER, key, stamp)
                .thenCompose(x -> redis.<List<Object>>eval(commitScript, ScriptOutputType.MULTI, key, stamp, EVENTS,
                        "1"))
                .thenCompose(r -> {
                    if (r.isEmpty()) {
                        return CompletableFuture.completedFuture(null);
                    }
                    // held again: another node wrote over the record meanwhile, and that write is confirmed next.
                    // Still held after that (a match written that busily), it is decided on as it is: a write
                    // decided on it comes after it in the replication stream, so confirming that one confirms it.
                    return "1".equals(r.get(1)) && attempts > 1 ? confirm(matchId, (String) r.get(2), attempts - 1)
                            : CompletableFuture.completedFuture((String) r.get(0));
                });
    }

    @Override
    public CompletionStage<MatchRecord> unfinished(String user) {
        return redis.command(c -> c.get(player(user)))
                .thenCompose(id -> id == null ? CompletableFuture.completedFuture(null) : get(id))
                .thenApply(m -> m == null || m.over() ? null : m);
    }

    private static MatchRecord record(String json) {
        return json == null || json.isEmpty() ? null : JSON.fromJson(json, MatchRecord.class);
    }

    @Override
    public CompletionStage<Boolean> update(MatchRecord basis, MatchRecord next, long dueMillis, GameEvent event) {
        String stamp = GameStore.newStamp();
        String record = JSON.toJson(next.stamped(stamp));
        String[] ev = eventAround(event);
        boolean hold = redis.ackReplicas() > 0;
        String[] keys = {match(next.id()), DUE, player(next.red()), player(next.yellow())};
        String[] args = {Long.toString(basis.rev()), Long.toString(next.rev()), record,
                Long.toString(dueMillis), next.id(), next.over() ? "1" : "0", ev[0], EVENTS,
                KEY_TTL_SECONDS, stampOf(basis), stamp, hold ? "1" : "", ev[1]};
        if (!hold) {
            return redis.<Long>eval(updateScript, ScriptOutputType.INTEGER, keys, args).thenApply(n -> n == 1);
        }
        // redis.ack.replicas: stored held; once replicas have it, game-commit.lua shows it and publishes its event
        return redis.<Long>evalAcked(updateScript, ScriptOutputType.INTEGER, keys, args).thenCompose(n -> n != 1
                ? CompletableFuture.completedFuture(false)
                : commit(next.id(), stamp).handle((x, e) -> true)); // confirmed: if the commit is lost, the next read that decides
        // anything (a move, the match's due check) confirms and shows it
    }

    /** The stamp as the match's hash holds it ('' for a first record, which has none). */
    private static String stampOf(MatchRecord m) {
        return m.stamp() == null ? "" : m.stamp();
    }

    /**
     * The event's JSON before and after its record's, which is encoded once and put between them by the script (as
     * JSON-B would write the event): a held record's event is kept as these two short parts, not a second copy.
     */
    private static String[] eventAround(GameEvent e) {
        StringBuilder after = new StringBuilder();
        if (e.user() != null) {
            after.append(",\"user\":").append(JSONP.createValue(e.user()));
        }
        if (e.connected() != null) {
            after.append(",\"connected\":").append(e.connected());
        }
        return new String[] {"{\"kind\":" + JSONP.createValue(e.kind()) + ",\"match\":", after.append('}').toString()};
    }

    @Override
    public CompletionStage<Boolean> reschedule(String matchId, long rev, long dueMillis) {
        return redis.<Long>eval(updateScript, ScriptOutputType.INTEGER,
                new String[] {match(matchId), DUE, player(""), player("")}, Long.toString(rev), "", "",
                Long.toString(dueMillis), matchId, "0", "", EVENTS, KEY_TTL_SECONDS, "", "").thenApply(n -> n == 1);
    }

    @Override
    public CompletionStage<Boolean> remove(String matchId, MatchRecord last) {
        String event = last == null ? "" : JSON.toJson(new GameEvent("gone", last, null, null));
        return redis.<Long>eval(removeScript, ScriptOutputType.INTEGER,
                new String[] {match(matchId), DUE, LIVE, spectators(matchId)},
                last == null ? "-1" : Long.toString(last.rev()), matchId, event, EVENTS,
                last == null ? "" : stampOf(last)).thenApply(n -> n == 1);
    }

    @Override
    public CompletionStage<List<String>> due(long nowMillis, int limit) {
        return redis.<List<Object>>eval(dueScript, ScriptOutputType.MULTI, new String[] {DUE}, Long.toString(nowMillis),
                Integer.toString(limit), DUE_LEASE_MILLIS).thenApply(r -> r.stream().map(String.class::cast).toList());
    }

    @Override
    public CompletionStage<List<LobbyRow>> live() {
        return redis.<List<Object>>eval(lobbyScript, ScriptOutputType.MULTI, new String[] {LIVE}, PREFIX,
                        Integer.toString(MemoryGameStore.LOBBY_SIZE))
                .thenApplyAsync(r -> { // up to 100 records to parse: not on a Redis I/O thread
                    List<LobbyRow> rows = new ArrayList<>();
                    for (int i = 0; i + 1 < r.size(); i += 2) {
                        rows.add(new LobbyRow(record((String) r.get(i)), ((Long) r.get(i + 1)).intValue()));
                    }
                    return rows;
                }, redis.executor());
    }

    @Override
    public CompletionStage<Boolean> online(String user, boolean on) {
        return redis.<Long>eval(onlineScript, ScriptOutputType.INTEGER, new String[] {online(user)}, node, ttlMillis,
                on ? "1" : "0").thenApply(n -> n > 0);
    }

    @Override
    public CompletionStage<Boolean> connected(String user) {
        return redis.<Long>eval(onlineScript, ScriptOutputType.INTEGER, new String[] {online(user)}, node, ttlMillis,
                "?").thenApply(n -> n > 0);
    }

    @Override
    public CompletionStage<Boolean> spectate(String matchId, String entry, int max) {
        return redis.<Long>eval(spectateScript, ScriptOutputType.INTEGER,
                new String[] {spectators(matchId)}, entry, ttlMillis, Integer.toString(max))
                .thenApply(n -> n == 1);
    }

    @Override
    public void unspectate(String matchId, String entry) {
        redis.command(c -> c.zrem(spectators(matchId), entry));
    }

    @Override
    public CompletionStage<Void> refresh(Collection<String> users, Map<String, String> spectatorEntries) {
        if (users.isEmpty() && spectatorEntries.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<String> keys = new ArrayList<>();
        List<String> args = new ArrayList<>(List.of(node, ttlMillis, Integer.toString(users.size())));
        for (String u : users) {
            keys.add(online(u));
        }
        for (Map.Entry<String, String> e : spectatorEntries.entrySet()) {
            keys.add(spectators(e.getValue()));
            args.add(e.getKey());
        }
        return redis.<Long>eval(refreshScript, ScriptOutputType.INTEGER, keys.toArray(String[]::new),
                args.toArray(String[]::new)).thenApply(n -> null);
    }
}
