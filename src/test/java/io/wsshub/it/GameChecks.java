package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import jakarta.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The /ws/game contract (docs/protocol.md) checked with real wss:// clients, on either engine: {@link GameIT}
 * runs it against one server (memory engine), {@link GameClusterIT} against two nodes on Redis, where the two
 * players of each match are connected to different nodes. The servers run with short clocks (a 3 s grace; a 6 or 10 s turn).
 */
abstract class GameChecks {

    /** A move order (R first) that fills the board with no four in a row. */
    static final String DRAW = "000000111111222222433333344444555555666666";

    /** Connects {@code user} to the game endpoint of node {@code node} (0 or 1) and takes the welcome. */
    abstract Client connect(String user, int node) throws Exception;

    /** The HTTPS ports of the servers under test (one, or both nodes). */
    abstract int[] ports();

    /** A counter summed over the servers under test ({@code /metrics}, role monitor); 0 when not yet counted. */
    long counter(String sample) throws Exception {
        long sum = 0;
        for (int port : ports()) {
            java.net.http.HttpResponse<String> r = Wss.http().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("https://localhost:" + port + "/metrics"))
                    .header("Authorization", Wss.basic("monitor", Wss.PASSWORD)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            for (String line : r.body().split("\n")) {
                if (line.startsWith(sample + " ")) {
                    sum += (long) Double.parseDouble(line.substring(sample.length() + 1).trim());
                }
            }
        }
        return sum;
    }

    Client player(String user, int node) throws Exception {
        Client c = connect(user, node);
        JsonObject welcome = c.next("welcome");
        assertEquals(user, welcome.getString("user"));
        return c;
    }

    static void move(Client c, String matchId, long ver, int col) {
        c.send("{\"type\":\"move\",\"matchId\":\"" + matchId + "\",\"ver\":" + ver + ",\"col\":" + col + "}");
    }

    static long ver(JsonObject state) {
        return state.getJsonNumber("ver").longValue();
    }

    /** Two players matched (the first queued first); returns {red, yellow} and the match's first state. */
    record Pair(Client red, Client yellow, String id, JsonObject state) {
        Client[] both() {
            return new Client[] {red, yellow};
        }
    }

    static Pair match(Client first, Client second) throws InterruptedException {
        first.sendJson("queue");
        first.next("queued");
        second.sendJson("queue");
        JsonObject m1 = first.next("match");
        JsonObject m2 = second.next("match");
        assertEquals(m1.getString("matchId"), m2.getString("matchId"));
        assertNotEquals(m1.getString("seat"), m2.getString("seat"));
        JsonObject state = first.next("state");
        assertEquals(state, second.next("state"));
        assertEquals(1, ver(state));
        boolean firstIsRed = "R".equals(m1.getString("seat"));
        return new Pair(firstIsRed ? first : second, firstIsRed ? second : first, m1.getString("matchId"), state);
    }

    /** Plays columns alternately from R; each move's state reaches both players; returns the last state. */
    static JsonObject play(Pair p, String cols, long ver) throws InterruptedException {
        JsonObject last = null;
        for (int i = 0; i < cols.length(); i++) {
            Client mover = i % 2 == 0 ? p.red() : p.yellow();
            Client other = mover == p.red() ? p.yellow() : p.red();
            move(mover, p.id(), ver, cols.charAt(i) - '0');
            last = mover.next("state");
            assertEquals(last, other.next("state"));
            assertEquals(ver + 1, ver(last), "move " + i + " (column " + cols.charAt(i) + ") accepted");
            ver = ver(last);
        }
        return last;
    }

    static void closeAll(Client... clients) {
        for (Client c : clients) {
            c.close();
        }
    }

    @Test
    void queueingTwiceOrWhilePlayingIsRefusedAndTheRulesAnswerEveryWrongMove() throws Exception {
        Client alice = player("alice", 0);
        alice.sendJson("queue");
        alice.next("queued");
        alice.sendJson("queue");
        assertEquals("already_queued", alice.next("error").getString("code"));
        Client bob = player("bob", 1);
        bob.sendJson("queue");
        JsonObject m = alice.next("match");
        bob.next("match");
        String id = m.getString("matchId");
        JsonObject state = alice.next("state");
        bob.next("state");
        Pair p = "R".equals(m.getString("seat")) ? new Pair(alice, bob, id, state) : new Pair(bob, alice, id, state);
        alice.sendJson("queue");
        JsonObject playing = alice.next("error");
        assertEquals("already_playing", playing.getString("code"));
        assertEquals(id, playing.getString("matchId"));

        Client carol = player("carol", 1);
        carol.sendJson("spectate", "matchId", id);
        assertTrue(carol.next("match").isNull("seat"));
        assertEquals(state, carol.next("state"));
        move(carol, id, 1, 0);
        assertEquals("not_a_player", carol.next("error").getString("code"));
        move(p.yellow(), id, 1, 0);
        assertEquals("not_your_turn", p.yellow().next("error").getString("code"));
        move(p.red(), id, 1, 7);
        assertEquals("illegal_move", p.red().next("error").getString("code"));
        move(p.red(), id, 0, 3);
        JsonObject stale = p.red().next("error");
        assertEquals("stale_version", stale.getString("code"));
        assertEquals(id, stale.getString("matchId"));
        move(p.red(), id, 1, 9);
        assertEquals("illegal_move", p.red().next("error").getString("code"));
        carol.sendJson("spectate", "matchId", "no-such");
        assertEquals("no_such_match", carol.next("error").getString("code"));
        Client dave = player("dave", 0); // the second spectator, on the other node: the limit (2) is per match
        dave.sendJson("spectate", "matchId", id);
        dave.next("match");
        dave.next("state");
        Client erin = player("erin", 0); // a third user: a user's sockets share one seat
        erin.sendJson("spectate", "matchId", id);
        JsonObject full3 = erin.next("error");
        assertEquals("spectators_full", full3.getString("code"));
        assertEquals(id, full3.getString("matchId"));
        JsonObject[] found = new JsonObject[1];
        lobby(erin, l -> {
            found[0] = l.getJsonArray("matches").getValuesAs(JsonObject.class).stream()
                    .filter(e -> id.equals(e.getString("matchId"))).findFirst().orElseThrow();
            return found[0].getInt("spectators") == 2;
        });
        JsonObject listed = found[0];
        assertEquals(2, listed.getInt("spectators"));
        assertEquals("playing", listed.getString("status"));
        closeAll(dave, erin);

        JsonObject full = play(p, "000000", 1); // R Y R Y R Y up column 0: no four
        assertEquals("RYRYRY", columnOf(full.getString("board"), 0));
        assertEquals(7, ver(carol.next(f -> "state".equals(f.getString("type")) && ver(f) == 7)));
        move(p.red(), id, 7, 0);
        JsonObject fullCol = p.red().next("error");
        assertEquals("illegal_move", fullCol.getString("code"));
        assertTrue(fullCol.getString("message").contains("full"), fullCol.toString());

        p.red().sendJson("resign", "matchId", id);
        JsonObject end = p.red().next("state");
        assertEquals("over", end.getString("status"));
        assertEquals("resign", end.getString("reason"));
        assertEquals("Y", end.getString("winner"));
        assertTrue(end.isNull("deadline") && end.isNull("turn"));
        assertEquals(8, ver(end));
        assertEquals(end, p.yellow().next("state"));
        assertEquals(end, carol.next("state"));
        move(p.yellow(), id, 8, 1);
        assertEquals("match_over", p.yellow().next("error").getString("code"));
        closeAll(alice, bob, carol);
    }

    static String columnOf(String board, int col) {
        StringBuilder s = new StringBuilder();
        for (int row = 0; row < 6; row++) {
            s.append(board.charAt(row * 7 + col));
        }
        return s.toString();
    }

    @Test
    void aUserWithSeveralTabsStaysQueuedAndPlaysFromAnyOfThem() throws Exception {
        Client tab1 = player("alice", 0);
        Client tab2 = player("alice", 1);
        tab1.sendJson("queue");
        tab1.next("queued");
        tab1.close(); // another tab (on the other node) is open: alice is still waiting
        Client bob = player("bob", 0);
        bob.sendJson("queue");
        JsonObject m = tab2.next("match");
        bob.next("match");
        String id = m.getString("matchId");
        tab2.next("state");
        bob.next("state");
        Client tab3 = connect("alice", 0); // a new tab is welcomed into the match
        assertEquals(id, tab3.next("welcome").getJsonArray("matches").getJsonObject(0).getString("matchId"));
        assertEquals(m.getString("seat"), tab3.next("match").getString("seat"));
        boolean aliceIsRed = "R".equals(m.getString("seat"));
        Client first = aliceIsRed ? tab3 : bob;
        move(first, id, 1, 2);
        JsonObject s2 = bob.next("state");
        assertEquals(s2, tab2.next("state"), "every tab gets the match's frames");
        assertEquals(s2, tab3.next("state"));
        move(aliceIsRed ? bob : tab2, id, 2, 2); // the other seat moves; alice from her other tab if it is hers
        assertEquals(3, ver(tab3.next("state")));
        assertEquals(3, ver(bob.next("state")));
        tab3.close(); // alice still has tab2: no presence change for bob
        List<JsonObject> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) { // round trips after the close (a presence would take as many store calls)
            bob.sendJson("lobby");
            seen.add(bob.next());
            if (!"lobby".equals(seen.get(seen.size() - 1).getString("type"))) {
                break;
            }
        }
        assertTrue(seen.stream().allMatch(f -> "lobby".equals(f.getString("type"))), seen.toString());
        bob.sendJson("resign", "matchId", id);
        assertEquals("resign", tab2.next(f -> "state".equals(f.getString("type")) && ver(f) == 4).getString("reason"));
        closeAll(tab2, bob);
    }

    @Test
    void threeQueueingAtOnceMakeOneMatchAndOneWaitingPlayer() throws Exception {
        Client[] c = {player("alice", 0), player("bob", 1), player("carol", 0)};
        for (Client x : c) {
            x.sendJson("queue"); // no waiting in between: the three requests race
        }
        List<List<JsonObject>> seen = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        long deadline = System.nanoTime() + Wss.TIMEOUT.toNanos();
        while (count(seen, "match") < 2 && System.nanoTime() < deadline) {
            for (int i = 0; i < c.length; i++) {
                seen.get(i).addAll(c[i].drain());
            }
            Thread.sleep(50); // polling three sockets until the two match frames are in, within the timeout
        }
        List<JsonObject> matches = new ArrayList<>();
        List<Client> matched = new ArrayList<>();
        Client waiting = null;
        for (int i = 0; i < c.length; i++) {
            JsonObject m = seen.get(i).stream().filter(f -> "match".equals(f.getString("type"))).findFirst()
                    .orElse(null);
            if (m != null) {
                matches.add(m);
                matched.add(c[i]);
            } else {
                if (seen.get(i).stream().noneMatch(f -> "queued".equals(f.getString("type")))) {
                    c[i].next("queued"); // its answer may come after the other two were matched
                }
                assertTrue(waiting == null, "one player waits");
                waiting = c[i];
            }
        }
        assertEquals(2, matches.size(), "two players matched, never three");
        assertEquals(matches.get(0).getString("matchId"), matches.get(1).getString("matchId"));
        String id = matches.get(0).getString("matchId");
        Set<String> inPlay = new HashSet<>();
        lobby(waiting, l -> {
            inPlay.clear();
            for (var e : l.getJsonArray("matches").getValuesAs(JsonObject.class)) {
                if ("playing".equals(e.getString("status"))) {
                    inPlay.add(e.getString("matchId"));
                    assertEquals(2, e.getJsonObject("players").size());
                }
            }
            return inPlay.equals(Set.of(id));
        });
        assertEquals(Set.of(id), inPlay, "one live match");
        matched.get(0).sendJson("resign", "matchId", id);
        assertEquals("resign", matched.get(1).next(f -> "state".equals(f.getString("type"))
                && "over".equals(f.getString("status"))).getString("reason"));
        waiting.sendJson("unqueue");
        waiting.sendJson("lobby");
        waiting.next("lobby");
        assertTrue(waiting.drain().stream().noneMatch(f -> "match".equals(f.getString("type"))));
        closeAll(c);
    }

    /**
     * Asks for the lobby until {@code wanted} holds (a server answers from a read up to a second old, spectator
     * counts included), for at most 5 s; returns the last lobby.
     */
    static JsonObject lobby(Client c, java.util.function.Predicate<JsonObject> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            c.sendJson("lobby");
            JsonObject l = c.next("lobby");
            if (wanted.test(l) || System.nanoTime() > deadline) {
                return l;
            }
            Thread.sleep(200); // a client asking again, within the rate limit
        }
    }

    private static long count(List<List<JsonObject>> seen, String type) {
        return seen.stream().flatMap(List::stream).filter(f -> type.equals(f.getString("type"))).count();
    }

    @Test
    void eachDiagonalWinsWithItsLine() throws Exception {
        String[] games = {"01122323363", "65544343303"}; // R ends on (3,3): "/" from (0,0), "\" from (6,0)
        String[] lines = {"[[0,0],[1,1],[2,2],[3,3]]", "[[6,0],[5,1],[4,2],[3,3]]"};
        for (int g = 0; g < games.length; g++) {
            Client alice = player("alice", 0);
            Client bob = player("bob", 1);
            Pair p = match(alice, bob);
            JsonObject end = play(p, games[g], 1);
            assertEquals("over", end.getString("status"));
            assertEquals("four", end.getString("reason"));
            assertEquals("R", end.getString("winner"));
            assertEquals(sorted(lines[g]), sorted(end.getJsonArray("line").toString()), end.toString());
            closeAll(alice, bob);
        }
    }

    private static List<String> sorted(String line) {
        List<String> cells = new ArrayList<>(List.of(line.replace("[[", "").replace("]]", "").split("\\],\\[")));
        cells.sort(null);
        return cells;
    }

    @Test
    void aFullBoardWithoutFourIsADraw() throws Exception {
        Client alice = player("alice", 0);
        Client bob = player("bob", 1);
        Pair p = match(alice, bob);
        JsonObject end = play(p, DRAW, 1);
        assertEquals("over", end.getString("status"));
        assertEquals("draw", end.getString("reason"));
        assertTrue(end.isNull("winner") && end.isNull("line"));
        assertFalse(end.getString("board").contains("."));
        closeAll(alice, bob);
    }

    @Test
    void theMoversClockRunsOutOnceAndTheOtherWins() throws Exception {
        String timeouts = "wsshub_game_matches_ended_total{reason=\"timeout\"}";
        long before = counter(timeouts);
        Client alice = player("alice", 0);
        Client bob = player("bob", 1);
        Pair p = match(alice, bob);
        JsonObject end = p.yellow().next(f -> "state".equals(f.getString("type"))); // after the (test-short) turn
        assertEquals("timeout", end.getString("reason"));
        assertEquals("Y", end.getString("winner"));
        assertEquals(2, ver(end), "one change: the clock is claimed once");
        assertEquals(end, p.red().next("state"));
        for (Client x : p.both()) { // a lobby round trip later, no second claim arrived
            x.sendJson("lobby");
            x.next("lobby");
        }
        for (Client x : p.both()) {
            assertTrue(x.drain().stream().noneMatch(f -> "state".equals(f.getString("type"))));
        }
        assertEquals(before + 1, counter(timeouts), "one node's claim landed, counted once over the servers");
        closeAll(alice, bob);
    }

    @Test
    void aReconnectingPlayerIsBackInTheMatchAndOneWhoStaysAwayLosesByAbandon() throws Exception {
        Client dave = player("dave", 0);
        Client carol = player("carol", 1);
        Pair p = match(dave, carol);
        String id = p.id();
        boolean daveStarts = p.red() == dave;
        long ver = 1;
        if (daveStarts) { // then it is carol's turn, and her clock (6 s) outlasts her grace (3 s)
            move(dave, id, ver, 0);
            ver = ver(dave.next("state"));
        }

        carol.close(); // a reload, here onto the other node: the seat belongs to carol, not to the socket
        JsonObject away = dave.next("presence");
        assertEquals("carol", away.getString("user"));
        assertEquals(false, away.getBoolean("connected"));
        assertFalse(away.isNull("graceDeadline"));
        Client again = connect("carol", 0);
        JsonObject welcome = again.next("welcome");
        JsonObject resumed = welcome.getJsonArray("matches").getJsonObject(0);
        assertEquals(id, resumed.getString("matchId"));
        assertEquals(ver, ver(resumed), "the welcome carries the match as it is");
        assertTrue(dave.next("presence").getBoolean("connected"));
        assertEquals(daveStarts ? "Y" : "R", again.next("match").getString("seat"));
        if (!daveStarts) { // carol moves from her new connection, dave answers: carol's turn again
            move(again, id, ver, 0);
            ver = ver(again.next("state"));
            dave.next("state");
            move(dave, id, ver, 1);
            dave.next("state");
        }

        again.abort(); // gone for good: after the grace (3 s here) carol loses
        JsonObject gone = dave.next("presence");
        assertEquals(false, gone.getBoolean("connected"));
        JsonObject end = dave.next(f -> "state".equals(f.getString("type")) && "over".equals(f.getString("status")));
        assertEquals("abandon", end.getString("reason"), end.toString());
        assertEquals(daveStarts ? "R" : "Y", end.getString("winner"));
        dave.close();
    }
}
