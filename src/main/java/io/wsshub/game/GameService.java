package io.wsshub.game;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbConfig;
import io.wsshub.transport.Peer;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Server-authoritative Connect Four (docs/protocol.md, /ws/game): matchmaking, the rules, turn clocks, spectators,
 * and reconnection (the seat belongs to the user: any of the user's connections plays it, and a new one is
 * welcomed with the user's unfinished matches). All state changes under one monitor — games are small and slow —
 * and the frames they produce are written after it is released.
 *
 * <p>This node's memory holds the matches: on the redis engine a match is played on the node its players reach
 * (docs/cluster.md says what is not shared yet).
 */
@ApplicationScoped
public class GameService {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Game frames write their nulls ("winner":null): clients of the contract test for them. */
    static final Jsonb JSON = JsonbBuilder.create(new JsonbConfig().withNullValues(true));

    private long turnMillis;
    private long graceMillis;
    private long keepMillis;
    private int maxSpectators;
    private Clock clock;

    private final Object lock = new Object();
    private final Map<String, Match> matches = new LinkedHashMap<>();
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private final Map<String, Set<Peer>> connections = new HashMap<>();

    @Resource
    ManagedScheduledExecutorService scheduler;
    private ScheduledFuture<?> ticks;

    /** One match; guarded by the service's monitor. */
    static final class Match {
        final String id;
        final String red;
        final String yellow;
        Board board = Board.empty();
        long ver = 1;
        char turn;
        Instant deadline;
        boolean over;
        GameFrame.LastMove lastMove;
        String winner;
        String reason;
        List<int[]> line;
        Instant endedAt;
        final Map<String, Instant> grace = new HashMap<>();
        final Set<Peer> spectators = new LinkedHashSet<>();

        Match(String id, String red, String yellow) {
            this.id = id;
            this.red = red;
            this.yellow = yellow;
        }

        String seatOf(String user) {
            return red.equals(user) ? "R" : yellow.equals(user) ? "Y" : null;
        }

        String userOf(char seat) {
            return seat == 'R' ? red : yellow;
        }
    }

    private record Out(Peer peer, String frame) {
    }

    protected GameService() {
        // for the CDI proxy
    }

    @Inject
    public GameService(@ConfigProperty(name = "game.turn.seconds", defaultValue = "30") int turnSeconds,
                       @ConfigProperty(name = "game.grace.seconds", defaultValue = "60") int graceSeconds,
                       @ConfigProperty(name = "game.keep.seconds", defaultValue = "60") int keepSeconds,
                       @ConfigProperty(name = "game.max.spectators", defaultValue = "32") int maxSpectators,
                       Clock clock) {
        this.turnMillis = turnSeconds * 1000L;
        this.graceMillis = graceSeconds * 1000L;
        this.keepMillis = keepSeconds * 1000L;
        this.maxSpectators = maxSpectators;
        this.clock = clock;
    }

    @PostConstruct
    void start() {
        if (scheduler != null) {
            ticks = scheduler.scheduleWithFixedDelay(this::tick, 200, 200, TimeUnit.MILLISECONDS);
        }
    }

    @PreDestroy
    void stop() {
        if (ticks != null) {
            ticks.cancel(false);
        }
    }

    // ---- connections ---------------------------------------------------------------------------------------

    /** A new connection of its user: welcomed with the user's unfinished matches; a returning player is back. */
    public void connect(Peer peer) {
        List<Out> out = new ArrayList<>();
        synchronized (lock) {
            Set<Peer> mine = connections.computeIfAbsent(peer.user(), u -> new LinkedHashSet<>());
            boolean first = mine.isEmpty();
            mine.add(peer);
            List<GameFrame.State> unfinished = new ArrayList<>();
            for (Match m : matches.values()) {
                if (!m.over && m.seatOf(peer.user()) != null) {
                    unfinished.add(state(m));
                }
            }
            out.add(new Out(peer, JSON.toJson(new GameFrame.Welcome(peer.user(), unfinished))));
            for (Match m : matches.values()) {
                if (!m.over && m.seatOf(peer.user()) != null) {
                    out.add(new Out(peer, JSON.toJson(matchFrame(m, m.seatOf(peer.user())))));
                    if (first && m.grace.remove(peer.user()) != null) {
                        broadcast(out, m, JSON.toJson(new GameFrame.Presence(m.id, peer.user(), true, null)));
                    }
                }
            }
        }
        send(out);
    }

    /** A connection closed: a player whose last connection it was has game.grace.seconds to come back. */
    public void disconnect(Peer peer) {
        List<Out> out = new ArrayList<>();
        synchronized (lock) {
            Set<Peer> mine = connections.get(peer.user());
            if (mine == null || !mine.remove(peer)) {
                return;
            }
            for (Match m : matches.values()) {
                m.spectators.remove(peer);
            }
            if (mine.isEmpty()) {
                connections.remove(peer.user());
                queue.remove(peer.user());
                Instant until = clock.instant().plusMillis(graceMillis).truncatedTo(ChronoUnit.MILLIS);
                for (Match m : matches.values()) {
                    if (!m.over && m.seatOf(peer.user()) != null) {
                        m.grace.put(peer.user(), until);
                        broadcast(out, m, JSON.toJson(new GameFrame.Presence(m.id, peer.user(), false,
                                until.toString())));
                    }
                }
            }
        }
        send(out);
    }

    // ---- intents -------------------------------------------------------------------------------------------

    public void handle(Peer peer, GameClientFrame frame) {
        List<Out> out = new ArrayList<>();
        synchronized (lock) {
            if (frame instanceof GameClientFrame.Queue) {
                queue(peer, out);
            } else if (frame instanceof GameClientFrame.Unqueue) {
                queue.remove(peer.user());
            } else if (frame instanceof GameClientFrame.Move m) {
                move(peer, m, out);
            } else if (frame instanceof GameClientFrame.Resign r) {
                resign(peer, r.matchId(), out);
            } else if (frame instanceof GameClientFrame.Spectate s) {
                spectate(peer, s.matchId(), out);
            } else if (frame instanceof GameClientFrame.Lobby) {
                out.add(new Out(peer, JSON.toJson(lobby())));
            }
        }
        send(out);
    }

    private void queue(Peer peer, List<Out> out) {
        String user = peer.user();
        if (queue.contains(user)) {
            error(out, peer, "already_queued", "you are waiting for an opponent already", null);
            return;
        }
        for (Match m : matches.values()) {
            if (!m.over && m.seatOf(user) != null) {
                error(out, peer, "already_playing", "finish your match first", m.id);
                return;
            }
        }
        String opponent = queue.poll(); // first come, first matched; never yourself (you are not in the queue)
        if (opponent == null) {
            queue.add(user);
            for (Peer p : connections.getOrDefault(user, Set.of())) {
                out.add(new Out(p, JSON.toJson(GameFrame.Queued.INSTANCE)));
            }
            return;
        }
        boolean opponentStarts = RANDOM.nextBoolean();
        Match m = new Match(newId(), opponentStarts ? opponent : user, opponentStarts ? user : opponent);
        m.turn = 'R'; // R moves first; who is R was drawn at random
        m.deadline = clock.instant().plusMillis(turnMillis).truncatedTo(ChronoUnit.MILLIS);
        matches.put(m.id, m);
        for (String player : List.of(m.red, m.yellow)) {
            for (Peer p : connections.getOrDefault(player, Set.of())) {
                out.add(new Out(p, JSON.toJson(matchFrame(m, m.seatOf(player)))));
                out.add(new Out(p, JSON.toJson(state(m))));
            }
        }
    }

    private void move(Peer peer, GameClientFrame.Move move, List<Out> out) {
        Match m = playable(peer, move.matchId(), out);
        if (m == null) {
            return;
        }
        String seat = m.seatOf(peer.user());
        if (move.ver() == null || move.ver() != m.ver) {
            error(out, peer, "stale_version", "the match is at version " + m.ver, m.id);
            return;
        }
        if (seat.charAt(0) != m.turn) {
            error(out, peer, "not_your_turn", "it is " + m.turn + "'s turn", m.id);
            return;
        }
        int col = move.col() == null ? -1 : move.col();
        int row = m.board.landingRow(col);
        if (row < 0) {
            error(out, peer, "illegal_move", col < 0 || col >= Board.COLS ? "columns are 0 to 6"
                    : "column " + col + " is full", m.id);
            return;
        }
        m.board = m.board.drop(col, m.turn);
        m.lastMove = new GameFrame.LastMove(seat, col, row);
        m.ver++;
        int[][] four = m.board.fourThrough(col, row);
        if (four != null) {
            end(m, seat, "four", Arrays.asList(four));
        } else if (m.board.full()) {
            end(m, null, "draw", null);
        } else {
            m.turn = m.turn == 'R' ? 'Y' : 'R';
            m.deadline = clock.instant().plusMillis(turnMillis).truncatedTo(ChronoUnit.MILLIS);
        }
        broadcast(out, m, JSON.toJson(state(m)));
    }

    private void resign(Peer peer, String matchId, List<Out> out) {
        Match m = playable(peer, matchId, out);
        if (m == null) {
            return;
        }
        m.ver++;
        end(m, "R".equals(m.seatOf(peer.user())) ? "Y" : "R", "resign", null);
        broadcast(out, m, JSON.toJson(state(m)));
    }

    /** The match if this connection's user may act in it now; otherwise answers why and returns null. */
    private Match playable(Peer peer, String matchId, List<Out> out) {
        Match m = matchId == null ? null : matches.get(matchId);
        if (m == null) {
            error(out, peer, "no_such_match", "no such match", matchId);
            return null;
        }
        if (m.seatOf(peer.user()) == null) {
            error(out, peer, "not_a_player", "you are not a player of this match", m.id);
            return null;
        }
        if (m.over) {
            error(out, peer, "match_over", "the match is over", m.id);
            return null;
        }
        return m;
    }

    private void spectate(Peer peer, String matchId, List<Out> out) {
        Match m = matchId == null ? null : matches.get(matchId);
        if (m == null) {
            error(out, peer, "no_such_match", "no such match", matchId);
            return;
        }
        String seat = m.seatOf(peer.user());
        if (seat == null && !m.spectators.contains(peer)) {
            if (m.spectators.size() >= maxSpectators) {
                error(out, peer, "spectators_full", "at most " + maxSpectators + " spectators", m.id);
                return;
            }
            m.spectators.add(peer);
        }
        out.add(new Out(peer, JSON.toJson(matchFrame(m, seat))));
        out.add(new Out(peer, JSON.toJson(state(m))));
    }

    // ---- clocks --------------------------------------------------------------------------------------------

    /** Turn clocks, grace periods and the removal of finished matches. */
    void tick() {
        List<Out> out = new ArrayList<>();
        synchronized (lock) {
            Instant now = clock.instant();
            for (Iterator<Match> it = matches.values().iterator(); it.hasNext(); ) {
                Match m = it.next();
                if (m.over) {
                    if (!now.isBefore(m.endedAt.plusMillis(keepMillis))) {
                        it.remove();
                    }
                    continue;
                }
                if (!now.isBefore(m.deadline)) { // the mover's clock ran out, connected or not
                    m.ver++;
                    end(m, m.turn == 'R' ? "Y" : "R", "timeout", null);
                    broadcast(out, m, JSON.toJson(state(m)));
                    continue;
                }
                for (Map.Entry<String, Instant> g : m.grace.entrySet()) {
                    if (!now.isBefore(g.getValue())) { // gone for the whole grace period
                        m.ver++;
                        end(m, "R".equals(m.seatOf(g.getKey())) ? "Y" : "R", "abandon", null);
                        broadcast(out, m, JSON.toJson(state(m)));
                        break;
                    }
                }
            }
        }
        send(out);
    }

    private void end(Match m, String winner, String reason, List<int[]> line) {
        m.over = true;
        m.winner = winner;
        m.reason = reason;
        m.line = line;
        m.deadline = null;
        m.grace.clear();
        m.endedAt = clock.instant();
    }

    // ---- frames --------------------------------------------------------------------------------------------

    private static GameFrame.Match matchFrame(Match m, String seat) {
        return new GameFrame.Match(m.id, Map.of("R", m.red, "Y", m.yellow), seat);
    }

    private static GameFrame.State state(Match m) {
        return new GameFrame.State("state", m.id, m.ver, m.board.toString(), m.over ? null : String.valueOf(m.turn),
                m.deadline == null ? null : m.deadline.toString(), m.over ? "over" : "playing", m.lastMove,
                m.winner, m.reason, m.line);
    }

    private GameFrame.Lobby lobby() {
        List<GameFrame.LobbyEntry> live = new ArrayList<>();
        for (Match m : matches.values()) {
            live.add(new GameFrame.LobbyEntry(m.id, Map.of("R", m.red, "Y", m.yellow), m.over ? "over" : "playing",
                    m.spectators.size()));
        }
        return new GameFrame.Lobby(live);
    }

    /** Both players' connections and every spectator. */
    private void broadcast(List<Out> out, Match m, String frame) {
        for (String player : List.of(m.red, m.yellow)) {
            for (Peer p : connections.getOrDefault(player, Set.of())) {
                out.add(new Out(p, frame));
            }
        }
        for (Peer p : m.spectators) {
            out.add(new Out(p, frame));
        }
    }

    private static void error(List<Out> out, Peer peer, String code, String message, String matchId) {
        out.add(new Out(peer, JSON.toJson(new GameFrame.Error(code, message, matchId))));
    }

    private static void send(List<Out> out) {
        for (Out o : out) { // after the monitor: a write never happens under it
            o.peer().send(o.frame());
        }
    }

    private static String newId() {
        return Long.toString(RANDOM.nextLong() >>> 12, 36);
    }
}
