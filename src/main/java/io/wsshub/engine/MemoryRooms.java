package io.wsshub.engine;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The rooms of a single server, their streams and their presence in one map (the memory engine's broker and
 * presence): everything lives in this JVM's heap and ends with the application (a restart is a new epoch in every
 * room). Operations complete before they return; listeners are called after the room's monitor is released, so a listener may see two messages of a room out of order (and fills the gap with
 * {@link #range}, which is already complete by then).
 *
 * <p>Memory is bounded: at most {@code maxRooms} rooms; a room nobody is in and nobody wrote to for
 * {@code idleMillis} is evicted (by {@link #evictIdle} or when a new room needs the place). History is bounded by
 * count and by bytes per room ({@link HistoryBudget#roomBytes}) and by bytes over all rooms
 * ({@link HistoryBudget#totalBytes}): past that, the rooms nobody is in go first, least recently active first, then
 * the least recently active rooms keep only the newer half of their history.
 */
final class MemoryRooms implements Broker, Presence {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final int historySize;
    private final int maxRooms;
    private final long idleMillis;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
    private volatile RoomListener roomListener;

    /** One room's state; guarded by its monitor. */
    private static final class Room {
        final String epoch = Long.toString(RANDOM.nextLong() >>> 16, 36);
        long top;
        long pv;
        long lastActive;
        boolean evicted;
        /** The heap its history takes, as {@link #cost} counts it. */
        long bytes;
        final ArrayDeque<StoredMessage> history = new ArrayDeque<>();
        final Map<String, StoredMessage> byClientId = new HashMap<>();
        /** user -> connections */
        final TreeMap<String, Integer> users = new TreeMap<>();
        /** entry -> user */
        final Map<String, String> entries = new HashMap<>();
    }

    /** presence.list.max: longer member lists are not copied for joins, leaves and welcomes (the count is). */
    private final int presenceListMax;

    private final HistoryBudget budget;
    /** The heap all histories take. */
    private final java.util.concurrent.atomic.AtomicLong totalBytes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.locks.ReentrantLock shedding = new java.util.concurrent.locks.ReentrantLock();

    MemoryRooms(int historySize, int maxRooms, long idleMillis, LongSupplier clock, int presenceListMax) {
        this(historySize, maxRooms, idleMillis, clock, presenceListMax, HistoryBudget.NONE);
    }

    MemoryRooms(int historySize, int maxRooms, long idleMillis, LongSupplier clock, int presenceListMax,
                HistoryBudget budget) {
        this.budget = budget;
        this.presenceListMax = presenceListMax;
        this.historySize = historySize;
        this.maxRooms = maxRooms;
        this.idleMillis = idleMillis;
        this.clock = clock;
    }

    /** Rooms held now (for tests and metrics). */
    int rooms() {
        return rooms.size();
    }

    @Override
    public void onRoom(RoomListener listener) {
        this.roomListener = listener;
    }

    @Override
    public CompletionStage<Void> subscribe(String room) {
        return CompletableFuture.completedFuture(null); // every room's events reach the listener
    }

    @Override
    public void unsubscribe(String room) {
    }

    /** The room, created if absent and there is room for it; null when it cannot be had. */
    private Room room(String name, boolean create) {
        return room(name, create, null, null);
    }

    /** ... and, when {@code user} would create it, within that user's rooms-per-hour quota. */
    private Room room(String name, boolean create, String user, UserQuota quota) {
        while (true) {
            Room r = rooms.get(name);
            if (r != null || !create) {
                return r;
            }
            if (rooms.size() >= maxRooms && evictIdle() == 0) {
                throw new TooManyRooms(maxRooms);
            }
            if (quota != null && !charge(user, quota, 0, 1)) {
                throw new QuotaExceeded(true);
            }
            r = new Room();
            r.lastActive = clock.getAsLong();
            Room raced = rooms.putIfAbsent(name, r);
            return raced != null ? raced : r;
        }
    }

    /** Evicts the rooms nobody is in and nobody wrote to within the idle time; returns how many. */
    public int evictIdle() {
        long now = clock.getAsLong();
        int n = 0;
        for (Iterator<Map.Entry<String, Room>> it = rooms.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Room> e = it.next();
            Room r = e.getValue();
            synchronized (r) {
                if (r.entries.isEmpty() && now - r.lastActive >= idleMillis) {
                    r.evicted = true;
                    totalBytes.addAndGet(-r.bytes);
                    it.remove();
                    n++;
                }
            }
        }
        return n;
    }

    /** The sorted members while there are at most presence.list.max, else null: no O(members) copy per change. */
    private List<String> listed(Room r) {
        return r.users.size() <= presenceListMax ? List.copyOf(r.users.keySet()) : null;
    }

    @Override
    public CompletionStage<Joined> join(String name, String entry, String user, long since, String epoch,
                                        int welcome, int resumeMax, Position seen, UserQuota quota) {
        Room r;
        Joined joined;
        long pv = -1;
        int count = 0;
        List<String> members = null;
        while (true) {
            try {
                r = room(name, true, user, quota);
            } catch (TooManyRooms | QuotaExceeded e) {
                return CompletableFuture.failedFuture(e);
            }
            synchronized (r) {
                if (r.evicted) {
                    continue; // evicted between the lookup and the lock: take a fresh one
                }
                r.lastActive = clock.getAsLong();
                if (r.entries.putIfAbsent(entry, user) == null && r.users.merge(user, 1, Integer::sum) == 1) {
                    pv = ++r.pv;
                    count = r.users.size();
                    members = listed(r);
                }
                List<StoredMessage> history = null;
                Boolean recovered = null;
                if (since >= 0) {
                    history = epoch != null && epoch.equals(r.epoch) && r.top - since <= resumeMax
                            ? after(r, since) : null;
                    recovered = history != null;
                }
                if (history == null) {
                    history = newest(r, welcome);
                }
                joined = new Joined(r.epoch, r.top, r.pv, r.users.size(), listed(r), history, recovered);
                if (pv >= 0) {
                    // under the room's monitor, so joins and leaves reach the listener in pv order (it only hands
                    // the event to the room's executor: nothing waits here)
                    roomListener.presence(name, r.epoch, pv, "join", user, count, members);
                }
                break;
            }
        }
        return CompletableFuture.completedFuture(joined);
    }

    @Override
    public CompletionStage<Void> leave(String name, String entry, String user) {
        Room r = room(name, false);
        if (r == null) {
            return CompletableFuture.completedFuture(null);
        }
        long pv = -1;
        int count = 0;
        List<String> members = null;
        synchronized (r) {
            r.lastActive = clock.getAsLong();
            if (r.entries.remove(entry) != null) {
                Integer n = r.users.get(user);
                if (n != null && n <= 1) {
                    r.users.remove(user);
                    pv = ++r.pv;
                    count = r.users.size();
                    members = listed(r);
                } else if (n != null) {
                    r.users.put(user, n - 1);
                }
            }
            if (pv >= 0) {
                roomListener.presence(name, r.epoch, pv, "leave", user, count, members); // in pv order, as join
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> refresh(String room, Map<String, String> entries) {
        return CompletableFuture.completedFuture(null); // entries of this heap cannot outlive it
    }

    @Override
    public CompletionStage<Published> publish(String name, String user, String text, String ts, String clientId,
                                              Position seen, UserQuota quota) {
        Room r;
        StoredMessage m;
        long bytes = quota == null ? 0 : UserQuota.bytes(text);
        while (true) {
            try {
                r = room(name, true, user, quota);
            } catch (TooManyRooms | QuotaExceeded e) {
                return CompletableFuture.failedFuture(e);
            }
            synchronized (r) {
                if (r.evicted) {
                    continue;
                }
                r.lastActive = clock.getAsLong();
                if (clientId != null) {
                    StoredMessage original = r.byClientId.get(key(user, clientId));
                    if (original != null) {
                        return CompletableFuture.completedFuture(new Published(r.epoch, original, true));
                    }
                }
                if (quota != null && !charge(user, quota, bytes, 0)) {
                    return CompletableFuture.failedFuture(new QuotaExceeded(false));
                }
                m = new StoredMessage(++r.top, user, text, ts, clientId);
                r.history.addLast(m);
                long cost = cost(m);
                r.bytes += cost;
                totalBytes.addAndGet(cost);
                if (clientId != null) {
                    r.byClientId.put(key(user, clientId), m);
                }
                // by count and by bytes, keeping the newest message whatever its size
                while (r.history.size() > historySize || (r.bytes > budget.roomBytes() && r.history.size() > 1)) {
                    dropOldest(r);
                }
                break;
            }
        }
        roomListener.message(name, r.epoch, m);
        if (totalBytes.get() > budget.totalBytes()) {
            shed();
        }
        return CompletableFuture.completedFuture(new Published(r.epoch, m, false));
    }

    /** user -> {clock hour, bytes, rooms} of that hour; each array guarded by its monitor. */
    private final ConcurrentHashMap<String, long[]> usage = new ConcurrentHashMap<>();

    /** Counts {@code bytes} and {@code rooms} for the user's hour; false (nothing counted) past the quota. */
    private boolean charge(String user, UserQuota quota, long bytes, int newRooms) {
        long hour = clock.getAsLong() / 3_600_000;
        if (usage.size() > 10_000) { // users of past hours need no memory
            usage.values().removeIf(u -> {
                synchronized (u) {
                    return u[0] != hour;
                }
            });
        }
        long[] u = usage.computeIfAbsent(user, k -> new long[3]);
        synchronized (u) {
            if (u[0] != hour) {
                u[0] = hour;
                u[1] = 0;
                u[2] = 0;
            }
            if (u[1] + bytes > quota.bytesPerHour() || u[2] + newRooms > quota.roomsPerHour()) {
                return false;
            }
            u[1] += bytes;
            u[2] += newRooms;
            return true;
        }
    }

    /** What a stored message takes of the heap, near enough: its strings (UTF-16) and the objects around them. */
    static long cost(StoredMessage m) {
        return 2L * (m.text().length() + m.from().length() + m.ts().length()
                + (m.clientId() == null ? 0 : m.clientId().length())) + 160;
    }

    /** Under the room's monitor. */
    private void dropOldest(Room r) {
        StoredMessage old = r.history.removeFirst();
        long cost = cost(old);
        r.bytes -= cost;
        totalBytes.addAndGet(-cost);
        if (old.clientId() != null) {
            r.byClientId.remove(key(old.from(), old.clientId()), old);
        }
    }

    /**
     * All histories take more than the budget: down to 90 % of it (so that this runs now and then, not at every
     * message), first by evicting rooms nobody is in, least recently active first, then by halving the history of
     * the least recently active rooms (a room's last message too). One thread sheds at a time; the others go on.
     */
    private void shed() {
        if (!shedding.tryLock()) {
            return;
        }
        try {
            long target = budget.totalBytes() / 10 * 9;
            // lastActive changes under other threads: sorted by a copy (a comparison must not change mid-sort)
            List<Map.Entry<String, Room>> byAge = new ArrayList<>();
            Map<Room, Long> when = new java.util.IdentityHashMap<>();
            for (Map.Entry<String, Room> e : rooms.entrySet()) {
                byAge.add(e);
                when.put(e.getValue(), e.getValue().lastActive);
            }
            byAge.sort(java.util.Comparator.comparingLong(e -> when.get(e.getValue())));
            for (Map.Entry<String, Room> e : byAge) {
                if (totalBytes.get() <= target) {
                    return;
                }
                Room r = e.getValue();
                synchronized (r) {
                    if (!r.evicted && r.entries.isEmpty()) {
                        r.evicted = true;
                        totalBytes.addAndGet(-r.bytes);
                        rooms.remove(e.getKey(), r);
                        io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.HISTORY_SHED, "room_evicted");
                    }
                }
            }
            for (Map.Entry<String, Room> e : byAge) {
                if (totalBytes.get() <= target) {
                    return;
                }
                Room r = e.getValue();
                synchronized (r) {
                    if (!r.evicted && !r.history.isEmpty()) {
                        for (int n = (r.history.size() + 1) / 2; n > 0; n--) { // the last one too, at the end
                            dropOldest(r);
                        }
                        io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.HISTORY_SHED, "history_halved");
                    }
                }
            }
        } finally {
            shedding.unlock();
        }
    }

    /** The heap all histories take now (for tests and metrics). */
    long historyBytes() {
        return totalBytes.get();
    }

    /** This heap holds everything it ever acknowledged: there is nothing to heal. */
    @Override
    public CompletionStage<Position> heal(String name, Position seen) {
        return position(name);
    }

    @Override
    public CompletionStage<List<StoredMessage>> range(String name, long after, long upTo) {
        Room r = room(name, false);
        List<StoredMessage> out = new ArrayList<>();
        if (r != null) {
            synchronized (r) {
                for (StoredMessage m : r.history) {
                    if (m.id() > after && m.id() <= upTo) {
                        out.add(m);
                    }
                }
            }
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public CompletionStage<Position> position(String name) {
        Room r = room(name, false);
        if (r == null) {
            return CompletableFuture.completedFuture(new Position(null, 0));
        }
        synchronized (r) {
            return CompletableFuture.completedFuture(new Position(r.epoch, r.top));
        }
    }

    @Override
    public CompletionStage<History> history(String name, long after, int limit) {
        Room r = room(name, false);
        if (r == null) {
            return CompletableFuture.completedFuture(new History(null, 0, List.of()));
        }
        synchronized (r) {
            List<StoredMessage> out = new ArrayList<>(Math.min(limit, r.history.size()));
            for (StoredMessage m : r.history) {
                if (out.size() >= limit) {
                    break;
                }
                if (m.id() > after) {
                    out.add(m);
                }
            }
            return CompletableFuture.completedFuture(new History(r.epoch, r.top, out));
        }
    }

    @Override
    public CompletionStage<List<String>> members(String name) {
        Room r = room(name, false);
        if (r == null) {
            return CompletableFuture.completedFuture(List.of());
        }
        synchronized (r) {
            return CompletableFuture.completedFuture(List.copyOf(r.users.keySet()));
        }
    }

    /** Every retained message after {@code since}, or null when that range is not complete here. */
    private static List<StoredMessage> after(Room r, long since) {
        if (since > r.top) {
            return null;
        }
        long oldest = r.history.isEmpty() ? r.top + 1 : r.history.peekFirst().id();
        if (since + 1 < oldest) {
            return null;
        }
        List<StoredMessage> out = new ArrayList<>();
        for (StoredMessage m : r.history) {
            if (m.id() > since) {
                out.add(m);
            }
        }
        return out;
    }

    private static List<StoredMessage> newest(Room r, int n) {
        int skip = Math.max(0, r.history.size() - n);
        List<StoredMessage> out = new ArrayList<>(Math.min(n, r.history.size()));
        int i = 0;
        for (StoredMessage m : r.history) {
            if (i++ >= skip) {
                out.add(m);
            }
        }
        return out;
    }

    private static String key(String user, String clientId) {
        return user + '\n' + clientId;
    }
}
