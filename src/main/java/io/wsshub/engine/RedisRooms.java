package io.wsshub.engine;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The redis engine's rooms: streams, history and de-duplication ({@link Broker}) and presence ({@link Presence})
 * share each room's keys and are changed together by the room scripts (docs/cluster.md: keys, scripts).
 *
 * <ul>
 * <li>A message gets its id, goes into the room's stream (entry id = message id, bounded by chat.history.size)
 *     and is published to the room's channel in one Lua script; a repeated clientId is answered from the stream
 *     before an id is consumed.</li>
 * <li>Presence is a hash of entries (one per connection) with a sorted set of deadlines that the owning node keeps
 *     pushing on; a dead node's entries expire and the next script that purges publishes their users' leave.</li>
 * </ul>
 */
final class RedisRooms implements Broker, Presence {

    private static final SecureRandom RANDOM = new SecureRandom();
    static final String CHANNEL_PREFIX = "wsshub:room:";

    private final RedisEngine redis;
    private final int historySize;
    private final long presenceTtlMillis;
    /** presence.list.max: member lists longer than this are left out of scripts' answers and presence events. */
    private final int presenceListMax;
    private final long keyTtlSeconds;
    private final int maxRooms;
    private final RedisEngine.Script join;
    private final RedisEngine.Script publish;
    private final RedisEngine.Script leave;
    private final RedisEngine.Script refresh;
    private final RedisEngine.Script heal;
    private final RedisEngine.Script commit;
    private volatile RoomListener roomListener;

    RedisRooms(RedisEngine redis, int historySize, long historyMaxBytes, int maxRooms, long presenceTtlMillis,
               int presenceListMax, long keyTtlSeconds) {
        this.redis = redis;
        this.historySize = historySize;
        this.presenceTtlMillis = presenceTtlMillis;
        this.presenceListMax = presenceListMax;
        this.keyTtlSeconds = keyTtlSeconds;
        String lib = "local LIST_MAX = " + presenceListMax + "\nlocal MAX_ROOMS = " + maxRooms
                + "\nlocal ROOM_TTL_MS = " + keyTtlSeconds * 1000 + "\nlocal HISTORY_MAX_BYTES = " + historyMaxBytes
                + "\n" + RedisEngine.resource("room-lib.lua");
        this.maxRooms = maxRooms;
        this.join = new RedisEngine.Script("join", lib + RedisEngine.resource("join.lua"));
        this.publish = new RedisEngine.Script("publish", lib + RedisEngine.resource("publish.lua"));
        this.leave = new RedisEngine.Script("leave", lib + RedisEngine.resource("leave.lua"));
        this.refresh = new RedisEngine.Script("refresh", lib + RedisEngine.resource("refresh.lua"));
        this.heal = new RedisEngine.Script("heal", lib + RedisEngine.resource("heal.lua"));
        this.commit = new RedisEngine.Script("commit", lib + RedisEngine.resource("commit.lua"));
    }

    private static String channel(String room) {
        return CHANNEL_PREFIX + room;
    }

    /** The set of rooms that exist (meta key -> last activity), for chat.max.rooms. */
    static final String ROOMS = "wsshub:rooms";

    /** The room's keys (one hash tag: they share a slot), then the set of rooms. */
    private static String[] keys(String room) {
        String p = "wsshub:{r:" + room + "}:";
        return new String[] {p + "m", p + "h", p + "d", p + "p", p + "x", p + "u", ROOMS};
    }

    /**
     * A script that refused to make a new room past chat.max.rooms fails with TooManyRooms, one past the user's
     * quota with QuotaExceeded.
     */
    private <T> CompletionStage<T> roomCap(CompletionStage<T> stage) {
        return stage.handle((r, e) -> {
            if (e == null) {
                return r;
            }
            Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            for (Throwable t = c; t != null; t = t.getCause()) {
                String m = String.valueOf(t.getMessage());
                if (m.contains("TOO_MANY_ROOMS")) {
                    throw new TooManyRooms(maxRooms);
                }
                if (m.contains("QUOTA_EXCEEDED")) {
                    throw new QuotaExceeded(m.contains("QUOTA_EXCEEDED rooms"));
                }
            }
            throw c instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(c);
        });
    }

    private static String newEpoch() {
        return Long.toString(RANDOM.nextLong() >>> 16, 36);
    }

    // ---- broker ----------------------------------------------------------------------------------------------

    @Override
    public void onRoom(RoomListener listener) {
        this.roomListener = listener;
    }

    @Override
    public CompletionStage<Void> subscribe(String room) {
        return redis.pubsub(p -> p.subscribe(channel(room)));
    }

    @Override
    public void unsubscribe(String room) {
        redis.pubsub(p -> p.unsubscribe(channel(room)));
    }

    /**
     * Without redis.ack.replicas the script stores and announces the message at once. With it, the script stores
     * it held (on the connection that waits for replicas), the replicas confirm, and commit.lua makes it visible:
     * nobody sees it, and its sender has no answer, before a failover could no longer lose it.
     */
    @Override
    public CompletionStage<Published> publish(String room, String user, String text, String ts, String clientId,
                                              Position seen, UserQuota quota) {
        boolean hold = redis.ackReplicas() > 0;
        String[] keys = keys(room);
        String[] args = {channel(room), newEpoch(),
                user, clientId == null ? "" : clientId, text, ts, Integer.toString(historySize),
                Long.toString(keyTtlSeconds), seenEpoch(seen), seenTop(seen),
                quota == null ? "" : Long.toString(quota.bytesPerHour()),
                quota == null ? "" : Integer.toString(quota.roomsPerHour()), hold ? "1" : ""};
        return roomCap(redis.<List<Object>>evalAcked(publish, ScriptOutputType.MULTI, keys, args)).thenCompose(r -> {
            Published p = new Published((String) r.get(0), entry(r.get(2)), (Long) r.get(1) == 1);
            if ((Long) r.get(3) == 0) {
                return java.util.concurrent.CompletableFuture.completedFuture(p);
            }
            // held: confirmed now (or stored by a node that does not wait): it and all below it become visible
            return redis.<Long>eval(commit, ScriptOutputType.INTEGER, keys, channel(room), p.epoch(),
                    Long.toString(p.message().id())).thenApply(top -> p);
        });
    }

    @Override
    public CompletionStage<Position> heal(String room, Position seen) {
        return redis.<List<Object>>eval(heal, ScriptOutputType.MULTI, keys(room), seenEpoch(seen), seenTop(seen),
                newEpoch(), Long.toString(keyTtlSeconds)).thenApply(r -> {
                    String e = (String) r.get(0);
                    return new Position(e.isEmpty() ? null : e, (Long) r.get(1));
                });
    }

    private static String seenEpoch(Position seen) {
        return seen == null || seen.epoch() == null ? "" : seen.epoch();
    }

    private static String seenTop(Position seen) {
        return seen == null ? "-1" : Long.toString(seen.top());
    }

    @Override
    public CompletionStage<List<StoredMessage>> range(String room, long after, long upTo) {
        return redis.command(c -> c.xrange(keys(room)[1], Range.create((after + 1) + "-0", upTo + "-0")))
                .thenApply(RedisRooms::messages);
    }

    /** The newest visible id: 'k' (see commit in room-lib.lua), or 's' in a room from before it. */
    private static long visibleTop(List<io.lettuce.core.KeyValue<String, String>> esk) {
        return Long.parseLong(esk.get(2).getValueOrElse(esk.get(1).getValueOrElse("0")));
    }

    @Override
    public CompletionStage<Position> position(String room) {
        return redis.command(c -> c.hmget(keys(room)[0], "e", "s", "k")).thenApply(kv ->
                new Position(kv.get(0).getValueOrElse(null), visibleTop(kv)));
    }

    /**
     * Two commands pipelined on the one connection: the meta hash, then the page (COUNT bounds the read); messages
     * stored after the meta was read, or still held for replicas, are left out.
     */
    @Override
    public CompletionStage<History> history(String room, long after, int limit) {
        String[] k = keys(room);
        var meta = redis.command(c -> c.hmget(k[0], "e", "s", "k"));
        var page = redis.command(c -> c.xrange(k[1], Range.create((after + 1) + "-0", "+"), Limit.from(limit)));
        return meta.thenCombine(page, (kv, list) -> {
            String e = kv.get(0).getValueOrElse(null);
            long top = visibleTop(kv);
            List<StoredMessage> messages = e == null ? List.of() : messages(list);
            int visible = 0;
            while (visible < messages.size() && messages.get(visible).id() <= top) {
                visible++;
            }
            return new History(e, top, visible == messages.size() ? messages : messages.subList(0, visible));
        });
    }

    private static List<StoredMessage> messages(List<io.lettuce.core.StreamMessage<String, String>> list) {
        List<StoredMessage> out = new ArrayList<>(list.size());
        for (var m : list) {
            out.add(message(m.getId(), m.getBody()));
        }
        return out;
    }

    // ---- presence --------------------------------------------------------------------------------------------

    @Override
    public CompletionStage<Joined> join(String room, String entry, String user, long since, String epoch,
                                        int welcome, int resumeMax, Position seen, UserQuota quota) {
        return roomCap(redis.<List<Object>>eval(join, ScriptOutputType.MULTI, keys(room), channel(room), newEpoch(),
                entry, user, Long.toString(presenceTtlMillis), Long.toString(since), epoch == null ? "" : epoch,
                Integer.toString(welcome), Long.toString(keyTtlSeconds), Integer.toString(resumeMax),
                seenEpoch(seen), seenTop(seen), quota == null ? "" : Integer.toString(quota.roomsPerHour())))
                .thenApply(r -> {
                    long recovered = (Long) r.get(3);
                    @SuppressWarnings("unchecked")
                    List<String> members = (List<String>) r.get(4);
                    int count = ((Long) r.get(6)).intValue();
                    return new Joined((String) r.get(0), (Long) r.get(1), (Long) r.get(2), count,
                            count > presenceListMax ? null : List.copyOf(members), entries(r.get(5)),
                            recovered < 0 ? null : recovered == 1);
                });
    }

    @Override
    public CompletionStage<Void> leave(String room, String entry, String user) {
        return redis.<Long>eval(leave, ScriptOutputType.INTEGER, keys(room), channel(room), entry,
                Long.toString(keyTtlSeconds)).thenApply(r -> null);
    }

    @Override
    public CompletionStage<Void> refresh(String room, Map<String, String> entries) {
        List<String> args = new ArrayList<>();
        args.add(channel(room));
        args.add(Long.toString(presenceTtlMillis));
        args.add(Long.toString(keyTtlSeconds));
        entries.forEach((entry, user) -> {
            args.add(entry);
            args.add(user);
        });
        return redis.<Long>eval(refresh, ScriptOutputType.INTEGER, keys(room), args.toArray(String[]::new))
                .thenApply(r -> null);
    }

    /** A dead node's users stay listed until a script purges their expired entries (presence.ttl.seconds). */
    @Override
    public CompletionStage<List<String>> members(String room) {
        return redis.command(c -> c.hkeys(keys(room)[5])).thenApply(users -> users.stream().sorted().toList());
    }

    // ---- deliveries (on a Netty thread: the listener hands over at once) --------------------------------------

    /** The pub/sub connection works again after a drop: see {@link RoomListener#resubscribed}. */
    void resubscribed() {
        RoomListener l = roomListener;
        if (l != null) {
            l.resubscribed();
        }
    }

    void onPubSub(String room, String message) {
        RoomListener l = roomListener;
        if (l == null) {
            return;
        }
        if (message.startsWith("m\n")) {
            // m, epoch, id, from, clientId, ts, text (last: it may contain newlines)
            String[] f = message.split("\n", 7);
            l.message(room, f[1], new StoredMessage(Long.parseLong(f[2]), f[3], f[6], f[5],
                    f[4].isEmpty() ? null : f[4]));
        } else if (message.startsWith("q\n")) {
            // q, epoch, pv, event, user, count, members... (none beyond presence.list.max)
            String[] f = message.split("\n");
            int count = Integer.parseInt(f[5]);
            l.presence(room, f[1], Long.parseLong(f[2]), f[3], f[4], count,
                    count > presenceListMax ? null : List.of(Arrays.copyOfRange(f, 6, f.length)));
        } else if (message.startsWith("p\n")) {
            // the format of nodes from before presence counts (a rolling upgrade): p, epoch, pv, event, user, members...
            String[] f = message.split("\n");
            List<String> members = List.of(Arrays.copyOfRange(f, 5, f.length));
            l.presence(room, f[1], Long.parseLong(f[2]), f[3], f[4], members.size(), members);
        }
    }

    // ---- stream entries --------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static List<StoredMessage> entries(Object reply) {
        List<StoredMessage> out = new ArrayList<>();
        for (Object e : (List<Object>) reply) {
            out.add(entry(e));
        }
        return out;
    }

    /** A stream entry as a script returns it: {id, {field, value, ...}}. */
    @SuppressWarnings("unchecked")
    private static StoredMessage entry(Object reply) {
        List<Object> e = (List<Object>) reply;
        List<Object> kv = (List<Object>) e.get(1);
        Map<String, String> body = new HashMap<>();
        for (int i = 0; i + 1 < kv.size(); i += 2) {
            body.put((String) kv.get(i), (String) kv.get(i + 1));
        }
        return message((String) e.get(0), body);
    }

    private static StoredMessage message(String streamId, Map<String, String> body) {
        long id = Long.parseLong(streamId.substring(0, streamId.indexOf('-')));
        String c = body.get("c");
        return new StoredMessage(id, body.get("f"), body.get("t"), body.get("ts"), c == null || c.isEmpty() ? null : c);
    }
}
