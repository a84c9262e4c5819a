package io.wsshub.game;

import io.wsshub.engine.Engine;
import io.wsshub.engine.EngineUnavailable;
import io.wsshub.engine.GameStore;
import io.wsshub.engine.GameStore.GameEvent;
import io.wsshub.engine.GameStore.MatchRecord;
import io.wsshub.engine.SerialExecutor;
import io.wsshub.ops.Metrics;
import io.wsshub.transport.Peer;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbConfig;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Server-authoritative Connect Four (docs/protocol.md, /ws/game): matchmaking, the rules, turn clocks, spectators
 * and reconnection (the seat belongs to the user: any of the user's connections, on any node, plays it, and a new
 * one is welcomed with the user's unfinished match).
 *
 * <p>The matches live in the engine's {@link GameStore} (Redis for a cluster): a node applies an intent with the
 * rules here to the match's record (the newest one it was sent, else one it reads) and writes the result with a
 * compare-and-set on the record's rev; on a conflict it decides again on a fresh read (a move then usually gets
 * {@code stale_version}). Every change comes back to
 * every node as an event, the writer's included, and each node sends it to its own connections: one delivery
 * path. Clocks are due times in the store that every node polls; exactly one claim of an expired clock lands.
 *
 * <p>This node's connections and spectators are touched only on one serial executor, which also sends every
 * frame (a non-blocking enqueue): no lock, and frames of a match reach a connection in version order (a state
 * older than one the connection has is not sent).
 */
@ApplicationScoped
public class GameService {

    private static final Logger LOG = Logger.getLogger(GameService.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Game frames write their nulls ("winner":null): clients of the contract test for them. */
    static final Jsonb JSON = JsonbBuilder.create(new JsonbConfig().withNullValues(true));
    /** What a match id looks like (the server makes them); anything else is no match, without a store lookup. */
    private static final java.util.regex.Pattern MATCH_ID = java.util.regex.Pattern.compile("[0-9a-z]{1,16}");
    private static final int ATTEMPTS = 5;

    private long turnMillis;
    private long graceMillis;
    private long keepMillis;
    private int maxSpectators;
    /** game.max.watched: the matches one connection may watch at once. */
    private int maxWatched = 10;
    private long refreshMillis;
    /**
     * How often a playing match's players are checked for a connection somewhere: a third of presence.ttl.seconds,
     * as a dead node's users are only known to be gone once their entries expire.
     */
    private long checkMillis;
    private Clock clock;
    private GameStore store;
    private Executor serial;

    /** user -> this node's connections of the user */
    private final Map<String, Set<Peer>> connections = new HashMap<>();
    /** connection -> matchId -> the highest ver sent to it */
    private final Map<Peer, Map<String, Long>> sent = new HashMap<>();
    /** matchId -> this node's spectators -> their entry in the store */
    private final Map<String, Map<Peer, String>> spectators = new HashMap<>();
    /** matchId -> the newest record this node was sent (serial executor only; a hint, confirmed by every write) */
    private final Map<String, MatchRecord> latest = new HashMap<>();
    /** Matches this node is checking now (one check each at a time). */
    private final Set<String> checking = ConcurrentHashMap.newKeySet();
    private long lastRefresh;
    static final long LOBBY_CACHE_MILLIS = 1000;
    /**
     * The last lobby frame, when its read started and the lobby generation it shows; the generation goes up with
     * every match event this node delivers; the read on its way, if any (all on the serial executor).
     */
    private String lobbyFrame;
    private long lobbyAt;
    private long lobbyFrameGen;
    private long lobbyGen;
    private LobbyRead lobbyRead;
    /** The record last encoded as a state frame, and the frame (serial executor only). */
    private MatchRecord encoded;
    private String encodedFrame;
    /** The engine's state at the last tick: coming back up triggers a resync. */
    private boolean wasUp = true;

    @Resource
    ManagedScheduledExecutorService scheduler;
    @Resource
    ManagedExecutorService pool;
    @Inject
    Engine engine;
    private ScheduledFuture<?> ticks;

    protected GameService() {
        // for the CDI proxy
    }

    @Inject
    public GameService(@ConfigProperty(name = "game.turn.seconds", defaultValue = "30") int turnSeconds,
                       @ConfigProperty(name = "game.grace.seconds", defaultValue = "60") int graceSeconds,
                       @ConfigProperty(name = "game.keep.seconds", defaultValue = "60") int keepSeconds,
                       @ConfigProperty(name = "game.max.spectators", defaultValue = "32") int maxSpectators,
                       @ConfigProperty(name = "presence.ttl.seconds", defaultValue = "30") int presenceTtlSeconds,
                       @ConfigProperty(name = "game.max.watched", defaultValue = "10") int maxWatched,
                       Clock clock) {
        this(turnSeconds, graceSeconds, keepSeconds, maxSpectators, presenceTtlSeconds, clock);
        this.maxWatched = maxWatched;
    }

    private GameService(int turnSeconds, int graceSeconds, int keepSeconds, int maxSpectators, int presenceTtlSeconds,
                        Clock clock) {
        this.turnMillis = turnSeconds * 1000L;
        this.graceMillis = graceSeconds * 1000L;
        this.keepMillis = keepSeconds * 1000L;
        this.maxSpectators = maxSpectators;
        this.refreshMillis = presenceTtlSeconds * 1000L / 3;
        this.checkMillis = Math.max(1000, refreshMillis);
        this.clock = clock;
    }

    /** For tests: the store and the executor its callbacks and this service's tasks run on. */
    GameService(int turnSeconds, int graceSeconds, int keepSeconds, int maxSpectators, Clock clock, GameStore store,
                Executor executor) {
        this(turnSeconds, graceSeconds, keepSeconds, maxSpectators, 30, clock);
        use(store, executor);
    }

    private void use(GameStore store, Executor executor) {
        this.store = store;
        this.serial = new SerialExecutor(executor);
        store.onEvent(e -> serial.execute(() -> deliver(e)));
    }

    @PostConstruct
    void start() {
        use(engine.games(), pool);
        ticks = scheduler.scheduleWithFixedDelay(this::tick, 200, 200, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        if (ticks != null) {
            ticks.cancel(false);
        }
    }

    private long now() {
        return clock.millis();
    }

    // ---- connections ---------------------------------------------------------------------------------------

    /**
     * A new connection of its user: welcomed with the user's unfinished match (then its {@code match} frame); the
     * user's first connection anywhere ends a grace period.
     */
    public void connect(Peer peer) {
        String user = peer.user();
        serial.execute(() -> {
            Set<Peer> mine = connections.computeIfAbsent(user, u -> new LinkedHashSet<>());
            boolean first = mine.isEmpty();
            mine.add(peer);
            sent.put(peer, new HashMap<>());
            CompletionStage<Boolean> on = first ? store.online(user, true) : CompletableFuture.completedFuture(true);
            on.thenCompose(x -> store.unfinished(user)).whenCompleteAsync((m, e) -> {
                if (e != null) {
                    unavailable(peer, null, e);
                    peer.close(1013, "unavailable");
                    return;
                }
                if (!sent.containsKey(peer)) {
                    return; // closed meanwhile
                }
                List<GameFrame.State> unfinished = new ArrayList<>();
                if (m != null) {
                    unfinished.add(state(m));
                    sent.get(peer).put(m.id(), m.ver());
                }
                peer.send(JSON.toJson(new GameFrame.Welcome(user, unfinished)));
                if (m != null) {
                    peer.send(JSON.toJson(matchFrame(m, m.seatOf(user))));
                    if (m.graceOf(m.seatOf(user)) != null) {
                        change(m.id(), null, (to, r) -> back(r, user), x -> { });
                    }
                }
            }, serial);
        });
    }

    /** How many matches {@code peer} watches. */
    private int watchedBy(Peer peer) {
        int n = 0;
        for (Map<Peer, String> s : spectators.values()) {
            if (s.containsKey(peer)) {
                n++;
            }
        }
        return n;
    }

    /** Gives up the entry's seat in the match unless another socket of that user here still watches it. */
    private void unspectate(String matchId, String entry) {
        if (!spectators.getOrDefault(matchId, Map.of()).containsValue(entry)) {
            store.unspectate(matchId, entry);
        }
    }

    /** A connection closed: a player with no connection left anywhere has game.grace.seconds to come back. */
    public void disconnect(Peer peer) {
        String user = peer.user();
        serial.execute(() -> {
            sent.remove(peer);
            for (Map.Entry<String, Map<Peer, String>> s : spectators.entrySet()) {
                String entry = s.getValue().remove(peer);
                if (entry != null) {
                    unspectate(s.getKey(), entry);
                }
            }
            Set<Peer> mine = connections.get(user);
            if (mine == null || !mine.remove(peer) || !mine.isEmpty()) {
                return;
            }
            connections.remove(user);
            store.online(user, false)
                    .thenCompose(anywhere -> {
                        if (anywhere) { // another node still has a connection of the user: still waiting, playing
                            return CompletableFuture.completedFuture(null);
                        }
                        store.unqueue(user);
                        return store.unfinished(user);
                    })
                    .whenCompleteAsync((m, e) -> {
                        if (e == null && m != null && !connections.containsKey(user)) {
                            change(m.id(), null, (to, r) -> away(r, user), x -> { });
                        }
                    }, serial);
        });
    }

    // ---- intents -------------------------------------------------------------------------------------------

    public void handle(Peer peer, GameClientFrame frame) {
        String matchId = frame instanceof GameClientFrame.Move m ? m.matchId()
                : frame instanceof GameClientFrame.Resign r ? r.matchId()
                : frame instanceof GameClientFrame.Spectate s ? s.matchId() : "";
        if (matchId == null || (!matchId.isEmpty() && !MATCH_ID.matcher(matchId).matches())) { // none below is null
            serial.execute(() -> error(peer, "no_such_match", "no such match", null));
            return;
        }
        serial.execute(() -> {
            if (frame instanceof GameClientFrame.Queue) {
                queue(peer);
            } else if (frame instanceof GameClientFrame.Unqueue) {
                store.unqueue(peer.user());
            } else if (frame instanceof GameClientFrame.Move m) {
                change(m.matchId(), peer, (to, r) -> move(to, m, r), e -> unavailable(peer, m.matchId(), e));
            } else if (frame instanceof GameClientFrame.Resign r) {
                change(r.matchId(), peer, (to, m) -> resign(to, m, r.matchId()), e -> unavailable(peer, r.matchId(), e));
            } else if (frame instanceof GameClientFrame.Spectate s) {
                spectate(peer, s.matchId());
            } else if (frame instanceof GameClientFrame.Lobby) {
                lobby(peer);
            }
        });
    }

    private void queue(Peer peer) {
        String user = peer.user();
        boolean userIsRed = RANDOM.nextBoolean(); // R moves first; who is R is drawn at random
        store.queue(user, newId(), userIsRed, now() + turnMillis).whenCompleteAsync((q, e) -> {
            if (e != null) {
                unavailable(peer, null, e);
                return;
            }
            switch (q.outcome()) {
                case "already_queued" -> error(peer, "already_queued", "you are waiting for an opponent already", null);
                case "already_playing" -> error(peer, "already_playing", "finish your match first", q.matchId());
                case "queued" -> {
                    for (Peer p : connections.getOrDefault(user, Set.of())) {
                        p.send(JSON.toJson(GameFrame.Queued.INSTANCE));
                    }
                }
                default -> Metrics.inc(Metrics.GAME_MATCHES_STARTED); // the "new" event reaches both players
            }
        }, serial);
    }

    /** The change a move makes, or null after answering why there is none. */
    private Change move(Peer peer, GameClientFrame.Move move, MatchRecord m) {
        if (!playable(peer, move.matchId(), m)) {
            return null;
        }
        String seat = m.seatOf(peer.user());
        if (move.ver() == null || move.ver() != m.ver()) {
            error(peer, "stale_version", "the match is at version " + m.ver(), m.id());
            return null;
        }
        if (!seat.equals(m.turn())) {
            error(peer, "not_your_turn", "it is " + m.turn() + "'s turn", m.id());
            return null;
        }
        Board board = new Board(m.board());
        int col = move.col() == null ? -1 : move.col();
        int row = board.landingRow(col);
        if (row < 0) {
            error(peer, "illegal_move", col < 0 || col >= Board.COLS ? "columns are 0 to 6"
                    : "column " + col + " is full", m.id());
            return null;
        }
        Board next = board.drop(col, seat.charAt(0));
        GameStore.LastMove last = new GameStore.LastMove(seat, col, row);
        int[][] four = next.fourThrough(col, row);
        MatchRecord r;
        if (four != null) {
            r = ended(m, next.toString(), last, seat, "four", Arrays.asList(four));
        } else if (next.full()) {
            r = ended(m, next.toString(), last, null, "draw", null);
        } else {
            r = new MatchRecord(m.id(), m.red(), m.yellow(), next.toString(), m.ver() + 1, m.rev() + 1,
                    "R".equals(seat) ? "Y" : "R", now() + turnMillis, "playing", last, null, null, null, null,
                    m.graceR(), m.graceY(), null);
        }
        return new Change(r, new GameEvent("state", r, null, null));
    }

    private Change resign(Peer peer, MatchRecord m, String matchId) {
        if (!playable(peer, matchId, m)) {
            return null;
        }
        MatchRecord r = ended(m, m.board(), m.lastMove(), other(m.seatOf(peer.user())), "resign", null);
        return new Change(r, new GameEvent("state", r, null, null));
    }

    /** True if this connection's user may act in the match now; otherwise answers why. */
    private boolean playable(Peer peer, String matchId, MatchRecord m) {
        if (m == null) {
            error(peer, "no_such_match", "no such match", matchId);
            return false;
        }
        if (m.seatOf(peer.user()) == null) {
            error(peer, "not_a_player", "you are not a player of this match", m.id());
            return false;
        }
        if (m.over()) {
            error(peer, "match_over", "the match is over", m.id());
            return false;
        }
        return true;
    }

    private void spectate(Peer peer, String matchId) {
        store.get(matchId).whenCompleteAsync((m, e) -> {
            if (e != null) {
                unavailable(peer, matchId, e);
                return;
            }
            if (m == null) {
                error(peer, "no_such_match", "no such match", matchId);
                return;
            }
            String seat = m.seatOf(peer.user());
            Map<Peer, String> watching = spectators.get(matchId);
            if (seat != null || (watching != null && watching.containsKey(peer))) {
                peer.send(JSON.toJson(matchFrame(m, seat))); // a player or a spectator asking again: the truth now
                sendState(peer, m, true);
                return;
            }
            if (watchedBy(peer) >= maxWatched) {
                error(peer, "too_many_matches", "a connection watches at most " + maxWatched + " matches", matchId);
                return;
            }
            // One entry per user on this node: twenty sockets of one user take one of the match's seats, not 20.
            String entry = (engine == null ? "local" : engine.node()) + ":" + peer.user();
            store.spectate(matchId, entry, maxSpectators).whenCompleteAsync((ok, e2) -> {
                if (e2 != null) {
                    unavailable(peer, matchId, e2);
                } else if (!ok) {
                    error(peer, "spectators_full", "at most " + maxSpectators + " spectators", matchId);
                } else if (!sent.containsKey(peer)) {
                    unspectate(matchId, entry); // closed meanwhile
                } else if (watchedBy(peer) >= maxWatched) { // asked for several at once
                    unspectate(matchId, entry);
                    error(peer, "too_many_matches", "a connection watches at most " + maxWatched + " matches", matchId);
                } else {
                    spectators.computeIfAbsent(matchId, k -> new HashMap<>()).put(peer, entry);
                    peer.send(JSON.toJson(matchFrame(m, null)));
                    // read again: a change between the first read and the registration reached no one here
                    store.get(matchId).whenCompleteAsync((now, e3) -> {
                        if (now != null) {
                            sendState(peer, now, false);
                        }
                    }, serial);
                    sendState(peer, m, false);
                }
            }, serial);
        }, serial);
    }

    /**
     * The lobby (up to 100 matches) is read and encoded at most once per {@value #LOBBY_CACHE_MILLIS} ms on this
     * node however many sockets ask (20 requests a second each, within the rate limit), unless a match event
     * reached this node since: one read serves every request that arrives while it is on its way, and its frame
     * answers the requests after it. Only spectator counts can be that old.
     */
    private void lobby(Peer peer) {
        long now = now();
        if (lobbyFrame != null && lobbyFrameGen == lobbyGen && now - lobbyAt < LOBBY_CACHE_MILLIS) {
            peer.send(lobbyFrame);
            return;
        }
        if (lobbyRead != null && lobbyRead.gen == lobbyGen) {
            lobbyRead.waiting.add(peer);
            return;
        }
        LobbyRead read = new LobbyRead(lobbyGen);
        read.waiting.add(peer);
        lobbyRead = read;
        store.live().whenCompleteAsync((rows, e) -> {
            if (lobbyRead == read) {
                lobbyRead = null;
            }
            if (e != null) {
                read.waiting.forEach(p -> unavailable(p, null, e));
                return;
            }
            List<GameFrame.LobbyEntry> live = new ArrayList<>();
            for (GameStore.LobbyRow row : rows) {
                MatchRecord m = row.match();
                live.add(new GameFrame.LobbyEntry(m.id(), players(m), m.over() ? "over" : "playing",
                        row.spectators()));
            }
            String frame = JSON.toJson(new GameFrame.Lobby(live));
            if (read.gen == lobbyGen) {
                lobbyFrame = frame;
                lobbyFrameGen = read.gen;
                lobbyAt = now;
            }
            read.waiting.forEach(p -> p.send(frame));
        }, serial);
    }

    /** A read of the lobby on its way, and the sockets its answer goes to. */
    private static final class LobbyRead {
        final long gen;
        final List<Peer> waiting = new ArrayList<>();

        LobbyRead(long gen) {
            this.gen = gen;
        }
    }

    // ---- changes -------------------------------------------------------------------------------------------

    /** The next record of a match and the event that announces it. */
    private record Change(MatchRecord next, GameEvent event) {
    }

    /** Chooses the change an intent makes on a record, or answers {@code to} why there is none and returns null. */
    private interface Decider {
        Change apply(Peer to, MatchRecord m);
    }

    /**
     * Lets {@code decide} (on the serial executor) choose the change, null for none, and writes it with a
     * compare-and-set; when another write came first, decides again on the newer record. The first decision is
     * made on the newest record this node was sent, when it has one (one store read less per move); only a write
     * can confirm that record, so any other outcome (a refusal, nothing to do) is decided again on a fresh read.
     */
    private void change(String matchId, Peer peer, Decider decide, Consumer<Throwable> failed) {
        MatchRecord cached = latest.get(matchId);
        if (cached != null) {
            Muted muted = new Muted(peer);
            Change c = decide.apply(muted, cached);
            if (c != null) {
                write(matchId, peer, decide, failed, c, cached, ATTEMPTS);
                return;
            }
        }
        change(matchId, peer, decide, failed, ATTEMPTS);
    }

    private void change(String matchId, Peer peer, Decider decide, Consumer<Throwable> failed,
                        int attempts) {
        MatchRecord had = latest.get(matchId);
        store.current(matchId).whenCompleteAsync((m, e) -> {
            if (e != null) {
                failed.accept(e);
                return;
            }
            checkLost(had, m);
            Change c = decide.apply(peer, m);
            if (c != null) {
                write(matchId, peer, decide, failed, c, m, attempts);
            }
        }, serial);
    }

    private void write(String matchId, Peer peer, Decider decide, Consumer<Throwable> failed,
                       Change c, MatchRecord basis, int attempts) {
        store.update(basis, c.next(), nextCheck(c.next()), c.event()).whenCompleteAsync((ok, e2) -> {
            counted(c.next(), ok);
            if (e2 != null) {
                failed.accept(e2);
            } else if (!ok && attempts > 1) {
                change(matchId, peer, decide, failed, attempts - 1);
            } else if (!ok) {
                LOG.warning(() -> "game: match " + matchId + " kept changing under " + ATTEMPTS + " attempts");
            }
        }, serial);
    }

    /** A connection whose answers are held back: a decision on a cached record must not answer anyone. */
    private static final class Muted implements Peer {
        private final Peer peer;

        Muted(Peer peer) {
            this.peer = peer;
        }

        @Override
        public String id() {
            return peer == null ? "" : peer.id();
        }

        @Override
        public String user() {
            return peer == null ? "" : peer.user();
        }

        @Override
        public boolean send(String frame) {
            return true;
        }

        @Override
        public void close(int code, String reason) {
        }
    }

    /** A player's last connection anywhere closed: the grace period starts. */
    private Change away(MatchRecord m, String user) {
        String seat = m == null || m.over() ? null : m.seatOf(user);
        if (seat == null || m.graceOf(seat) != null) {
            return null;
        }
        MatchRecord r = withGrace(m, seat, now() + graceMillis);
        return new Change(r, new GameEvent("presence", r, user, false));
    }

    /** A player in a grace period has a connection again. */
    private Change back(MatchRecord m, String user) {
        String seat = m == null || m.over() ? null : m.seatOf(user);
        if (seat == null || m.graceOf(seat) == null) {
            return null;
        }
        MatchRecord r = withGrace(m, seat, null);
        return new Change(r, new GameEvent("presence", r, user, true));
    }

    private static MatchRecord withGrace(MatchRecord m, String seat, Long until) {
        return new MatchRecord(m.id(), m.red(), m.yellow(), m.board(), m.ver(), m.rev() + 1, m.turn(), m.deadline(),
                m.status(), m.lastMove(), m.winner(), m.reason(), m.line(), m.endedAt(),
                "R".equals(seat) ? until : m.graceR(), "Y".equals(seat) ? until : m.graceY(), null);
    }

    private MatchRecord ended(MatchRecord m, String board, GameStore.LastMove last, String winner, String reason,
                              List<int[]> line) {
        return new MatchRecord(m.id(), m.red(), m.yellow(), board, m.ver() + 1, m.rev() + 1, null, null, "over",
                last, winner, reason, line, now(), null, null, null);
    }

    private long nextCheck(MatchRecord m) {
        if (m.over()) {
            return m.endedAt() + keepMillis;
        }
        long t = Math.min(m.deadline(), now() + checkMillis);
        if (m.graceR() != null) {
            t = Math.min(t, m.graceR());
        }
        if (m.graceY() != null) {
            t = Math.min(t, m.graceY());
        }
        return t;
    }

    /** Counts a write's outcome: a conflict, or the end of a match (once: only one write ends it). */
    private static void counted(MatchRecord next, Boolean ok) {
        if (Boolean.FALSE.equals(ok)) {
            Metrics.inc(Metrics.GAME_CONFLICTS);
        } else if (Boolean.TRUE.equals(ok) && next.over()) {
            Metrics.inc(Metrics.GAME_MATCHES_ENDED, next.reason());
        }
    }

    private static String other(String seat) {
        return "R".equals(seat) ? "Y" : "R";
    }

    // ---- clocks --------------------------------------------------------------------------------------------

    /** Due checks (turn clocks, grace periods, players of a dead node, removal of finished matches). */
    void tick() {
        long now = now();
        boolean up = engine == null || engine.up();
        if (now - lastRefresh >= refreshMillis || (up && !wasUp)) {
            lastRefresh = now;
            serial.execute(this::refresh);
            serial.execute(this::resync);
        }
        wasUp = up;
        store.due(now, 200).whenComplete((ids, e) -> {
            if (ids != null) {
                for (String id : ids) {
                    if (checking.add(id)) {
                        check(id).whenComplete((x, e2) -> checking.remove(id));
                    }
                }
            }
        });
    }

    /**
     * Reads again every match this node's connections take part in and sends what is newer than what they have:
     * a lost pub/sub message (Redis restarted, a connection dropped) is otherwise only repaired by the next change,
     * and a player who missed that it is their turn would lose on time. Runs with every refresh and at once when
     * the engine is up again.
     */
    private void resync() {
        Set<String> ids = new java.util.HashSet<>();
        for (Map<String, Long> s : sent.values()) {
            ids.addAll(s.keySet());
        }
        for (String id : ids) {
            MatchRecord had = latest.get(id);
            store.get(id).whenCompleteAsync((m, e) -> {
                if (m == null) {
                    if (e == null) {
                        latest.remove(id);
                    }
                    return;
                }
                if (checkLost(had, m)) {
                    return;
                }
                remember(m);
                for (String u : List.of(m.red(), m.yellow())) {
                    for (Peer p : connections.getOrDefault(u, Set.of())) {
                        sendState(p, m, false);
                    }
                }
                for (Peer p : spectators.getOrDefault(id, Map.of()).keySet()) {
                    sendState(p, m, false);
                }
            }, serial);
        }
    }

    private void refresh() {
        long forgetBefore = now() - keepMillis - 60_000; // a removal whose event was lost
        latest.values().removeIf(m -> m.over() && m.endedAt() < forgetBefore);
        Map<String, String> entries = new HashMap<>();
        for (Map.Entry<String, Map<Peer, String>> s : spectators.entrySet()) {
            for (String entry : s.getValue().values()) {
                entries.put(entry, s.getKey());
            }
        }
        store.refresh(new ArrayList<>(connections.keySet()), entries);
    }

    /** One due check of a match: at most one write, compared-and-set like any other. */
    private CompletionStage<?> check(String id) {
        return store.current(id).thenCompose(m -> {
            long now = now();
            if (m == null) {
                return store.remove(id, null);
            }
            if (m.over()) {
                return now >= m.endedAt() + keepMillis ? store.remove(id, m)
                        : store.reschedule(id, m.rev(), m.endedAt() + keepMillis);
            }
            if (now >= m.deadline()) { // the mover's clock ran out, connected or not
                MatchRecord r = ended(m, m.board(), m.lastMove(), other(m.turn()), "timeout", null);
                return store.update(m, r, nextCheck(r), new GameEvent("state", r, null, null))
                        .thenApply(ok -> {
                            counted(r, ok);
                            return ok;
                        });
            }
            return store.connected(m.red()).thenCombine(store.connected(m.yellow()), (red, yellow) -> {
                Change c = null;
                for (String seat : List.of("R", "Y")) {
                    boolean here = "R".equals(seat) ? red : yellow;
                    Long grace = m.graceOf(seat);
                    String user = "R".equals(seat) ? m.red() : m.yellow();
                    if (grace != null && !here && now >= grace) { // gone for the whole grace period
                        MatchRecord r = ended(m, m.board(), m.lastMove(), other(seat), "abandon", null);
                        c = new Change(r, new GameEvent("state", r, null, null));
                        break;
                    }
                    if (c == null && grace == null && !here) { // e.g. its node died: no close said so
                        c = away(m, user);
                    } else if (c == null && grace != null && here) {
                        c = back(m, user);
                    }
                }
                return c;
            }).thenCompose(c -> c == null ? store.reschedule(id, m.rev(), nextCheck(m))
                    : store.update(m, c.next(), nextCheck(c.next()), c.event()).thenApply(ok -> {
                        counted(c.next(), ok);
                        return ok;
                    }));
        }).exceptionally(e -> {
            LOG.log(Level.FINE, "game: check of " + id + " failed", e);
            return null;
        });
    }

    // ---- deliveries (on the serial executor) --------------------------------------------------------------

    private void deliver(GameEvent e) {
        MatchRecord m = e.match();
        if (m == null) {
            return;
        }
        lobbyGen++; // a lobby read before this event is out of date
        if ("gone".equals(e.kind())) {
            latest.remove(m.id());
            spectators.remove(m.id());
            for (Map<String, Long> s : sent.values()) {
                s.remove(m.id());
            }
            return;
        }
        MatchRecord had = latest.get(m.id());
        if (had != null && m.rev() <= had.rev() && !m.sameWrite(had)) {
            // Events come in write order, so one that is not newer than this node's record was overtaken by a read
            // of the store — or the store lost the write this node has, and this is another one: read to tell.
            store.get(m.id()).whenCompleteAsync((now, e2) -> checkLost(had, now), serial);
        }
        remember(m);
        List<Peer> players = new ArrayList<>();
        for (String u : List.of(m.red(), m.yellow())) {
            players.addAll(connections.getOrDefault(u, Set.of()));
        }
        List<Peer> watching = new ArrayList<>(spectators.getOrDefault(m.id(), Map.of()).keySet());
        if ("new".equals(e.kind())) {
            for (Peer p : players) {
                p.send(JSON.toJson(matchFrame(m, m.seatOf(p.user()))));
            }
        }
        for (Peer p : players) {
            sendState(p, m, false);
        }
        for (Peer p : watching) {
            sendState(p, m, false);
        }
        if ("presence".equals(e.kind()) && e.user() != null) {
            Long grace = m.graceOf(m.seatOf(e.user()));
            String frame = JSON.toJson(new GameFrame.Presence(m.id(), e.user(), Boolean.TRUE.equals(e.connected()),
                    grace == null ? null : Instant.ofEpochMilli(grace).toString()));
            for (Peer p : players) {
                p.send(frame);
            }
            for (Peer p : watching) {
                p.send(frame);
            }
        }
    }

    /**
     * {@code read} was read from the store after this node had {@code had}: the store can only be at that write or
     * past it, unless it lost writes (Redis restarted from an older file, a failover to a replica that lagged).
     * Then the store is the truth from now on, although it is older: this node's record is replaced and every
     * player and spectator here is sent it, whatever version they had (a move on the lost version would be refused
     * as stale forever). True when it was so.
     */
    private boolean checkLost(MatchRecord had, MatchRecord read) {
        if (had == null || read == null || read.rev() > had.rev() || read.sameWrite(had)) {
            return false;
        }
        LOG.warning(() -> "game: the store lost writes of match " + read.id() + " (this node had rev " + had.rev()
                + ", it has rev " + read.rev() + "): its players here get the stored state, version " + read.ver());
        io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.ENGINE_ROLLBACKS, "game");
        adopt(read);
        // events of writes made after the loss may have been handled on either side of that read: the store's
        // state now settles which is the newest
        store.get(read.id()).whenCompleteAsync((now, e) -> {
            MatchRecord mine = now == null ? null : latest.get(now.id());
            if (now != null && (mine == null || now.rev() > mine.rev())) {
                adopt(now);
            }
        }, serial);
        return true;
    }

    /** The store's record replaces this node's, and every player and spectator here is sent it. */
    private void adopt(MatchRecord m) {
        latest.put(m.id(), m);
        for (String u : List.of(m.red(), m.yellow())) {
            for (Peer p : connections.getOrDefault(u, Set.of())) {
                sendState(p, m, true);
            }
        }
        for (Peer p : spectators.getOrDefault(m.id(), Map.of()).keySet()) {
            sendState(p, m, true);
        }
    }

    /** Keeps the newer of what this node had and {@code m}; finished matches are forgotten at their removal. */
    private void remember(MatchRecord m) {
        latest.merge(m.id(), m, (had, now) -> now.rev() > had.rev() ? now : had);
    }

    /**
     * Sends the match's state unless the connection has this version or a newer one ({@code force}: anyway, and
     * this is the version it has from now on).
     */
    private void sendState(Peer peer, MatchRecord m, boolean force) {
        Map<String, Long> mine = sent.get(peer);
        if (mine == null) {
            return;
        }
        long had = mine.getOrDefault(m.id(), 0L);
        if (m.ver() > had || force) {
            mine.put(m.id(), force ? m.ver() : Math.max(had, m.ver()));
            if (m != encoded) { // one encoding per delivered record, not one per connection
                encoded = m;
                encodedFrame = JSON.toJson(state(m));
            }
            peer.send(encodedFrame);
        }
    }

    // ---- frames --------------------------------------------------------------------------------------------

    private static Map<String, String> players(MatchRecord m) {
        return Map.of("R", m.red(), "Y", m.yellow());
    }

    private static GameFrame.Match matchFrame(MatchRecord m, String seat) {
        return new GameFrame.Match(m.id(), players(m), seat);
    }

    static GameFrame.State state(MatchRecord m) {
        return new GameFrame.State("state", m.id(), m.ver(), m.board(), m.over() ? null : m.turn(),
                m.deadline() == null ? null : Instant.ofEpochMilli(m.deadline()).toString(),
                m.over() ? "over" : "playing", m.lastMove(), m.winner(), m.reason(), m.line());
    }

    private static void error(Peer peer, String code, String message, String matchId) {
        peer.send(JSON.toJson(new GameFrame.Error(code, message, matchId)));
    }

    private void unavailable(Peer peer, String matchId, Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (!(cause instanceof EngineUnavailable)) {
            LOG.log(Level.WARNING, "game: unexpected failure", cause);
        }
        error(peer, "unavailable", "the match store cannot be reached; try again", matchId); // on the serial executor
    }

    private static String newId() {
        return Long.toString(RANDOM.nextLong() >>> 12, 36);
    }
}
