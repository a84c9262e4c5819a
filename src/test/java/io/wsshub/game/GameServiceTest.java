package io.wsshub.game;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.engine.GameStore;
import io.wsshub.engine.MemoryEngine;
import io.wsshub.transport.RecordingPeer;
import jakarta.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Matchmaking, the rules, clocks, spectators and reconnection, without sockets (the clock is the test's). */
class GameServiceTest {

    static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-11-30T10:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(long seconds) {
            now = now.plusSeconds(seconds);
        }
    }

    /** A recording connection; {@code of} and {@code last} by frame type. */
    static final class P extends RecordingPeer {
        P(String user) {
            super(user);
        }

        List<JsonObject> of(String type) {
            return ofType(type);
        }
    }

    private final TestClock clock = new TestClock();

    private GameService service() {
        return service(60);
    }

    private GameService service(int graceSeconds) {
        return new GameService(30, graceSeconds, 60, 1, clock,
                new MemoryEngine("test", 10, 10, 60_000, System::currentTimeMillis).games(), Runnable::run);
    }

    /** Two players in a match; returns {red, yellow}. */
    private P[] match(GameService g) {
        P a = new P("alice");
        P b = new P("bob");
        g.connect(a);
        g.connect(b);
        g.handle(a, new GameClientFrame.Queue());
        g.handle(b, new GameClientFrame.Queue());
        String redUser = a.last("match").getJsonObject("players").getString("R");
        return redUser.equals("alice") ? new P[] {a, b} : new P[] {b, a};
    }

    private static String matchId(P p) {
        return p.last("match").getString("matchId");
    }

    private static long ver(P p) {
        return p.last("state").getJsonNumber("ver").longValue();
    }

    private static void move(GameService g, P p, int col) {
        g.handle(p, new GameClientFrame.Move(matchId(p), ver(p), col));
    }

    @Test
    void twoPlayersAreMatchedWithSeatsAndRMovesFirst() {
        GameService g = service();
        P[] m = match(g);
        JsonObject state = m[0].last("state");
        assertEquals("R", m[0].last("match").getString("seat"));
        assertEquals("Y", m[1].last("match").getString("seat"));
        assertEquals("R", state.getString("turn"));
        assertEquals("playing", state.getString("status"));
        assertEquals(".".repeat(42), state.getString("board"));
        assertEquals("2026-11-30T10:00:30Z", state.getString("deadline"));
        assertTrue(state.isNull("winner") && state.isNull("lastMove") && state.isNull("line"));
    }

    @Test
    void threeQueueingAtOnceMakeOneMatchAndOneWaitingPlayer() {
        GameService g = service();
        P a = new P("alice");
        P b = new P("bob");
        P c = new P("carol");
        for (P p : new P[] {a, b, c}) {
            g.connect(p);
            g.handle(p, new GameClientFrame.Queue());
        }
        assertNotNull(a.last("match"));
        assertNotNull(b.last("match"));
        assertEquals(null, c.last("match"));
        assertNotNull(c.last("queued"));
        g.handle(c, new GameClientFrame.Queue());
        assertEquals("already_queued", c.last("error").getString("code"));
        g.handle(a, new GameClientFrame.Queue());
        assertEquals("already_playing", a.last("error").getString("code"));
        P dave = new P("dave");
        g.connect(dave);
        g.handle(dave, new GameClientFrame.Queue()); // matched with carol, who queued earlier
        assertEquals(matchId(c), matchId(dave));
    }

    @Test
    void theRulesRefuseWhatIsNotAllowed() {
        GameService g = service();
        P[] m = match(g);
        P red = m[0];
        P yellow = m[1];
        move(g, yellow, 3);
        assertEquals("not_your_turn", yellow.last("error").getString("code"));
        move(g, red, 7);
        assertEquals("illegal_move", red.last("error").getString("code"));
        g.handle(red, new GameClientFrame.Move(matchId(red), ver(red) + 1, 3));
        assertEquals("stale_version", red.last("error").getString("code"));
        for (int i = 0; i < 6; i++) { // fill column 3, alternating
            move(g, i % 2 == 0 ? red : yellow, 3);
        }
        move(g, red, 3);
        assertEquals("illegal_move", red.last("error").getString("code"));
        assertEquals(7, ver(red), "one version per accepted change");
        P carol = new P("carol");
        g.connect(carol);
        g.handle(carol, new GameClientFrame.Spectate(matchId(red)));
        assertEquals(JsonObject.NULL.getValueType(), carol.last("match").get("seat").getValueType());
        g.handle(carol, new GameClientFrame.Move(matchId(red), ver(red), 0));
        assertEquals("not_a_player", carol.last("error").getString("code"));
        P dave = new P("dave");
        g.connect(dave);
        g.handle(dave, new GameClientFrame.Spectate(matchId(red)));
        assertEquals("spectators_full", dave.last("error").getString("code"));
        g.handle(dave, new GameClientFrame.Spectate("nope"));
        assertEquals("no_such_match", dave.last("error").getString("code"));
    }

    @Test
    void aVerticalFourWinsAndAMoveAfterTheEndIsRefused() {
        GameService g = service();
        P[] m = match(g);
        for (int i = 0; i < 3; i++) {
            move(g, m[0], 0);
            move(g, m[1], 1);
        }
        move(g, m[0], 0);
        JsonObject end = m[1].last("state");
        assertEquals("over", end.getString("status"));
        assertEquals("R", end.getString("winner"));
        assertEquals("four", end.getString("reason"));
        assertTrue(end.isNull("turn") && end.isNull("deadline"));
        assertEquals("[[0,0],[0,1],[0,2],[0,3]]", end.getJsonArray("line").toString());
        move(g, m[1], 1);
        assertEquals("match_over", m[1].last("error").getString("code"));
    }

    @Test
    void eachDiagonalWins() {
        // up: R at (0,0) (1,1) (2,2) (3,3); down: the mirror
        for (String cols : new String[] {"02131233263", "64535433403"}) {
            GameService g = service();
            P[] m = match(g);
            for (int i = 0; i < cols.length(); i++) {
                move(g, m[i % 2], cols.charAt(i) - '0');
            }
            JsonObject end = m[0].last("state");
            assertEquals("four", end.getString("reason"), cols + ": " + end);
            assertEquals("R", end.getString("winner"));
            assertEquals(4, end.getJsonArray("line").size());
        }
    }

    @Test
    void aFullBoardWithoutFourIsADraw() {
        GameService g = service();
        P[] m = match(g);
        String cols = drawSequence();
        for (int i = 0; i < cols.length(); i++) {
            move(g, m[i % 2], cols.charAt(i) - '0');
            assertEquals(null, m[0].last("error"), "move " + i + " accepted");
        }
        JsonObject end = m[0].last("state");
        assertEquals("over", end.getString("status"));
        assertEquals("draw", end.getString("reason"));
        assertTrue(end.isNull("winner"));
    }

    /** A move order (R first) that fills the board with no four: found by search over column choices. */
    static String drawSequence() {
        StringBuilder moves = new StringBuilder();
        Board b = Board.empty();
        return search(b, 'R', moves) ? moves.toString() : null;
    }

    private static boolean search(Board b, char seat, StringBuilder moves) {
        if (b.full()) {
            return true;
        }
        for (int col : new int[] {0, 1, 2, 3, 4, 5, 6}) {
            int row = b.landingRow(col);
            if (row < 0) {
                continue;
            }
            Board next = b.drop(col, seat);
            if (next.fourThrough(col, row) != null) {
                continue;
            }
            moves.append(col);
            if (search(next, seat == 'R' ? 'Y' : 'R', moves)) {
                return true;
            }
            moves.setLength(moves.length() - 1);
        }
        return false;
    }

    @Test
    void theMoversClockRunsOutEvenWhileConnected() {
        GameService g = service();
        P[] m = match(g);
        clock.advance(29);
        g.tick();
        assertEquals("playing", m[1].last("state").getString("status"));
        clock.advance(1);
        g.tick();
        JsonObject timeout = m[1].last("state");
        assertEquals("timeout", timeout.getString("reason"));
        assertEquals("Y", timeout.getString("winner"));
    }

    @Test
    void aPlayerWhoComesBackResumesTheSeatAndOneGoneForTheGracePeriodLoses() {
        GameService g = service(20); // grace shorter than a turn
        P[] n = match(g);
        P red = n[0];
        P yellow = n[1];
        g.disconnect(yellow);
        JsonObject gone = red.last("presence");
        assertFalse(gone.getBoolean("connected"));
        assertEquals("2026-11-30T10:00:20Z", gone.getString("graceDeadline"));
        move(g, red, 3);
        clock.advance(15);
        g.tick();
        assertEquals("playing", red.last("state").getString("status"));
        P back = new P(yellow.user);
        g.connect(back); // reconnecting is resuming: the welcome lists the match, the match frame its seat
        JsonObject listed = back.last("welcome").getJsonArray("matches").getJsonObject(0);
        assertEquals("Y", back.last("match").getString("seat"));
        assertTrue(red.last("presence").getBoolean("connected"));
        g.handle(back, new GameClientFrame.Move(matchId(back), listed.getJsonNumber("ver").longValue(), 4));
        assertEquals(3, ver(red), "the returning connection plays the seat");
        g.disconnect(back); // gone again: 20 s from now
        move(g, red, 3);     // Y's clock would run out in 30 s; the grace ends first
        clock.advance(19);
        g.tick();
        assertEquals("playing", red.last("state").getString("status"));
        clock.advance(1);
        g.tick();
        JsonObject abandon = red.last("state");
        assertEquals("abandon", abandon.getString("reason"), abandon.toString());
        assertEquals("R", abandon.getString("winner"));
    }

    @Test
    void resignEndsTheMatchForTheOpponentAndTheLobbyListsIt() {
        GameService g = service();
        P[] m = match(g);
        g.handle(m[1], new GameClientFrame.Resign(matchId(m[1])));
        JsonObject end = m[0].last("state");
        assertEquals("resign", end.getString("reason"));
        assertEquals("R", end.getString("winner"));
        P c = new P("carol");
        g.connect(c);
        g.handle(c, new GameClientFrame.Lobby());
        assertEquals("over", c.last("lobby").getJsonArray("matches").getJsonObject(0).getString("status"));
        clock.advance(61);
        g.tick();
        g.handle(c, new GameClientFrame.Lobby());
        assertEquals(0, c.last("lobby").getJsonArray("matches").size(), "gone after game.keep.seconds");
    }

    /**
     * A node decides a move on the newest record it was sent (no store read); when that record is behind — its
     * event has not arrived — the refusal it would give is checked against the store, never sent as is.
     */
    @Test
    void aMoveRefusedOnlyByAStaleCachedRecordIsDecidedAgainOnTheStore() {
        GameStore store = new MemoryEngine("test", 10, 10, 60_000, System::currentTimeMillis).games();
        boolean[] hold = {false};
        GameStore holding = (GameStore) java.lang.reflect.Proxy.newProxyInstance(GameStore.class.getClassLoader(),
                new Class<?>[] {GameStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("onEvent")) { // events pass unless held (a slow pub/sub)
                        @SuppressWarnings("unchecked")
                        java.util.function.Consumer<GameStore.GameEvent> l =
                                (java.util.function.Consumer<GameStore.GameEvent>) args[0];
                        store.onEvent(e -> {
                            if (!hold[0]) {
                                l.accept(e);
                            }
                        });
                        return null;
                    }
                    return method.invoke(store, args);
                });
        GameService g = new GameService(30, 60, 60, 1, clock, holding, Runnable::run);
        P[] m = match(g);
        String id = matchId(m[0]);
        hold[0] = true; // this node will not hear of red's move
        move(g, m[0], 3);
        assertEquals(1, ver(m[0]), "the move's state has not reached this node");
        g.handle(m[1], new GameClientFrame.Move(id, 2L, 4)); // yellow saw version 2 (from another node)
        assertEquals(null, m[1].last("error"), "not stale: the store is at version 2");
        hold[0] = false;
        g.handle(m[1], new GameClientFrame.Spectate(id)); // a player's spectate: the match as it is now
        JsonObject now = m[1].last("state");
        assertEquals(3, now.getJsonNumber("ver").longValue());
        assertEquals("Y", now.getJsonObject("lastMove").getString("seat"));
        g.handle(m[1], new GameClientFrame.Move(id, 2L, 5)); // and a really stale move is refused
        assertEquals("stale_version", m[1].last("error").getString("code"));
    }

    /**
     * The review's finding: every lobby request (20 a second per socket) ran the store's 100-match read. A node
     * reads it at most once a second unless a match event came, and one read answers every request that came while
     * it was on its way.
     */
    @Test
    void theLobbyIsReadFromTheStoreAtMostOnceASecondHoweverManyAsk() {
        GameStore inner = new MemoryEngine("test", 10, 10, 60_000, System::currentTimeMillis).games();
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        GameStore counting = (GameStore) java.lang.reflect.Proxy.newProxyInstance(GameStore.class.getClassLoader(),
                new Class<?>[] {GameStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("live")) {
                        reads.incrementAndGet();
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        GameService g = new GameService(30, 60, 60, 1, clock, counting, Runnable::run);
        P[] m = match(g);
        P c = new P("carol");
        g.connect(c);
        for (int i = 0; i < 20; i++) {
            g.handle(c, new GameClientFrame.Lobby());
        }
        assertEquals(20, c.of("lobby").size(), "every request answered");
        assertEquals(1, reads.get(), "one read for the second");
        g.handle(m[1], new GameClientFrame.Resign(matchId(m[1])));
        g.handle(c, new GameClientFrame.Lobby());
        assertEquals(2, reads.get(), "a match event makes the next request read again");
        assertEquals("over", c.last("lobby").getJsonArray("matches").getJsonObject(0).getString("status"));
        clock.advance(1);
        g.handle(c, new GameClientFrame.Lobby());
        assertEquals(3, reads.get(), "and so does a second");
    }

    /**
     * The review's finding: spectator seats were counted per connection (20 sockets of one user took 20 of a
     * match's 32) and one connection could watch any number of matches.
     */
    @Test
    void aUsersSocketsShareOneSpectatorSeatAndAConnectionWatchesAtMostTenMatches() {
        GameService g = service(); // one spectator per match
        P[] m = match(g);
        String id = matchId(m[0]);
        P carol1 = new P("carol");
        P carol2 = new P("carol");
        P dave = new P("dave");
        for (P p : new P[] {carol1, carol2, dave}) {
            g.connect(p);
            g.handle(p, new GameClientFrame.Spectate(id));
        }
        assertEquals(1, carol1.of("match").size());
        assertEquals(1, carol2.of("match").size(), "carol's second socket takes no second seat");
        assertEquals("spectators_full", dave.last("error").getString("code"));
        g.disconnect(carol1);
        g.handle(dave, new GameClientFrame.Spectate(id));
        assertEquals(2, dave.of("error").size(), "carol's other socket still holds her seat");
        g.disconnect(carol2);
        g.handle(dave, new GameClientFrame.Spectate(id));
        assertEquals(1, dave.of("match").size(), "her seat is free once her last socket stops watching");

        P watcher = new P("erin");
        g.connect(watcher);
        for (int i = 0; i < 11; i++) {
            P a = new P("a" + i);
            P b = new P("b" + i);
            g.connect(a);
            g.connect(b);
            g.handle(a, new GameClientFrame.Queue());
            g.handle(b, new GameClientFrame.Queue());
            g.handle(watcher, new GameClientFrame.Spectate(a.last("match").getString("matchId")));
        }
        assertEquals(10, watcher.of("match").size());
        assertEquals("too_many_matches", watcher.last("error").getString("code"));
    }
}
