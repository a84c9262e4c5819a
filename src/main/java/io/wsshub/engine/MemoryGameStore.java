package io.wsshub.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The games of a single server: one monitor over small maps. Operations complete before they return; events go
 * to the listener under the monitor (the listener only queues them), so it sees them in write order.
 */
final class MemoryGameStore implements GameStore {

    static final int LOBBY_SIZE = 100;
    private final Object lock = new Object();
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private final Map<String, MatchRecord> matches = new LinkedHashMap<>();
    private final Map<String, Long> due = new HashMap<>();
    private final Map<String, String> playing = new HashMap<>();
    private final Map<String, Integer> online = new HashMap<>();
    /** matchId -> spectator entries */
    private final Map<String, java.util.Set<String>> spectators = new HashMap<>();
    private volatile Consumer<GameEvent> listener;

    @Override
    public void onEvent(Consumer<GameEvent> listener) {
        this.listener = listener;
    }

    private void publish(GameEvent e) {
        Consumer<GameEvent> l = listener;
        if (l != null) {
            l.accept(e);
        }
    }

    @Override
    public CompletionStage<Queued> queue(String user, String matchId, boolean userIsRed, long deadlineMillis) {
        synchronized (lock) {
            String current = playing.get(user);
            if (current != null) {
                return done(new Queued("already_playing", current));
            }
            if (queue.contains(user)) {
                return done(new Queued("already_queued", null));
            }
            String opponent;
            while ((opponent = queue.poll()) != null && online.getOrDefault(opponent, 0) == 0) {
                // a user who left without unqueueing is not matched
            }
            if (opponent == null) {
                queue.add(user);
                return done(new Queued("queued", null));
            }
            MatchRecord m = new MatchRecord(matchId, userIsRed ? user : opponent, userIsRed ? opponent : user,
                    ".".repeat(42), 1, 1, "R", deadlineMillis, "playing", null, null, null, null, null, null, null,
                    null);
            matches.put(matchId, m);
            due.put(matchId, deadlineMillis);
            playing.put(user, matchId);
            playing.put(opponent, matchId);
            publish(new GameEvent("new", m, null, null));
            return done(new Queued("matched", matchId));
        }
    }

    @Override
    public CompletionStage<Void> unqueue(String user) {
        synchronized (lock) {
            queue.remove(user);
        }
        return done(null);
    }

    @Override
    public CompletionStage<MatchRecord> get(String matchId) {
        synchronized (lock) {
            return done(matches.get(matchId));
        }
    }

    @Override
    public CompletionStage<MatchRecord> unfinished(String user) {
        synchronized (lock) {
            String id = playing.get(user);
            return done(id == null ? null : matches.get(id));
        }
    }

    @Override
    public CompletionStage<Boolean> update(MatchRecord basis, MatchRecord next, long dueMillis, GameEvent event) {
        synchronized (lock) {
            MatchRecord cur = matches.get(next.id());
            if (cur == null || !cur.sameWrite(basis) || cur.rev() != next.rev() - 1) {
                return done(false);
            }
            next = next.stamped(GameStore.newStamp());
            event = new GameEvent(event.kind(), next, event.user(), event.connected());
            matches.put(next.id(), next);
            due.put(next.id(), dueMillis);
            if (next.over()) {
                playing.remove(next.red(), next.id());
                playing.remove(next.yellow(), next.id());
            }
            publish(event);
            return done(true);
        }
    }

    @Override
    public CompletionStage<Boolean> reschedule(String matchId, long rev, long dueMillis) {
        synchronized (lock) {
            MatchRecord cur = matches.get(matchId);
            if (cur == null || cur.rev() != rev) {
                return done(false);
            }
            due.put(matchId, dueMillis);
            return done(true);
        }
    }

    @Override
    public CompletionStage<Boolean> remove(String matchId, MatchRecord last) {
        synchronized (lock) {
            MatchRecord cur = matches.get(matchId);
            if (cur == null || last == null) {
                due.remove(matchId);
                return done(cur == null);
            }
            if (!cur.sameWrite(last)) {
                return done(false);
            }
            matches.remove(matchId);
            due.remove(matchId);
            spectators.remove(matchId);
            publish(new GameEvent("gone", cur, null, null));
            return done(true);
        }
    }

    @Override
    public CompletionStage<List<String>> due(long nowMillis, int limit) {
        synchronized (lock) {
            List<String> out = new ArrayList<>();
            for (Map.Entry<String, Long> e : due.entrySet()) {
                if (e.getValue() <= nowMillis && out.size() < limit) {
                    out.add(e.getKey());
                }
            }
            return done(out);
        }
    }

    @Override
    public CompletionStage<List<LobbyRow>> live() {
        synchronized (lock) {
            List<LobbyRow> out = new ArrayList<>();
            for (MatchRecord m : matches.values()) { // oldest first, at most LOBBY_SIZE (as on Redis)
                if (out.size() == LOBBY_SIZE) {
                    break;
                }
                out.add(new LobbyRow(m, spectators.getOrDefault(m.id(), java.util.Set.of()).size()));
            }
            return done(out);
        }
    }

    @Override
    public CompletionStage<Boolean> online(String user, boolean on) {
        synchronized (lock) {
            int n = online.getOrDefault(user, 0) + (on ? 1 : -1);
            if (n <= 0) {
                online.remove(user);
            } else {
                online.put(user, n);
            }
            return done(n > 0);
        }
    }

    @Override
    public CompletionStage<Boolean> connected(String user) {
        synchronized (lock) {
            return done(online.containsKey(user));
        }
    }

    @Override
    public CompletionStage<Boolean> spectate(String matchId, String entry, int max) {
        synchronized (lock) {
            if (!matches.containsKey(matchId)) {
                return done(false);
            }
            java.util.Set<String> s = spectators.computeIfAbsent(matchId, k -> new java.util.HashSet<>());
            if (!s.contains(entry) && s.size() >= max) {
                return done(false);
            }
            s.add(entry);
            return done(true);
        }
    }

    @Override
    public void unspectate(String matchId, String entry) {
        synchronized (lock) {
            java.util.Set<String> s = spectators.get(matchId);
            if (s != null) {
                s.remove(entry);
            }
        }
    }

    @Override
    public CompletionStage<Void> refresh(Collection<String> users, Map<String, String> spectators) {
        return done(null); // nothing here outlives its node
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
