package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import jakarta.json.JsonObject;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * /ws/game over real wss:// (the test server: turn 6 s, grace 3 s, 2 spectators per match): matchmaking of players
 * who queue at different times, a game to a win watched by a spectator, errors that keep the socket open, a
 * reconnect that resumes the match, and a loss by abandon.
 */
@ExtendWith(ArquillianExtension.class)
class GameIT {

    private static Client player(String user) throws InterruptedException {
        Client c = Wss.connect("/ws/game", user);
        JsonObject welcome = c.next("welcome");
        assertEquals(user, welcome.getString("user"));
        return c;
    }

    private static void move(Client c, String matchId, long ver, int col) {
        c.send("{\"type\":\"move\",\"matchId\":\"" + matchId + "\",\"ver\":" + ver + ",\"col\":" + col + "}");
    }

    @Test
    void playersQueueingAtDifferentTimesPlayToAWinAndASpectatorSeesTheSameFinalBoard() throws Exception {
        Client alice = player("alice");
        alice.sendJson("queue");
        alice.next("queued");
        Thread.sleep(300); // bob comes a little later (the test's timing, not a wait for the server)
        Client bob = player("bob");
        bob.sendJson("queue");
        JsonObject matchA = alice.next("match");
        JsonObject matchB = bob.next("match");
        String id = matchA.getString("matchId");
        assertEquals(id, matchB.getString("matchId"));
        JsonObject state = alice.next("state");
        bob.next("state");
        Client red = "R".equals(matchA.getString("seat")) ? alice : bob;
        Client yellow = red == alice ? bob : alice;

        Client carol = player("carol");
        carol.sendJson("spectate", "matchId", id);
        assertTrue(carol.next("match").isNull("seat"));
        carol.next("state");

        move(yellow, id, 1, 0);
        assertEquals("not_your_turn", yellow.next("error").getString("code"));
        long ver = state.getJsonNumber("ver").longValue();
        int[] redCols = {3, 3, 3, 3};
        int[] yellowCols = {4, 4, 4};
        JsonObject last = null;
        for (int i = 0; i < 4; i++) {
            move(red, id, ver, redCols[i]);
            last = red.next("state");
            yellow.next("state");
            carol.next("state");
            ver = last.getJsonNumber("ver").longValue();
            if (i < 3) {
                move(yellow, id, ver, yellowCols[i]);
                last = yellow.next("state");
                red.next("state");
                carol.next("state");
                ver = last.getJsonNumber("ver").longValue();
            }
        }
        assertEquals("over", last.getString("status"));
        assertEquals("four", last.getString("reason"));
        assertEquals("[[3,0],[3,1],[3,2],[3,3]]", last.getJsonArray("line").toString());
        for (Client c : new Client[] {alice, bob}) {
            c.send("{\"type\":\"move\",\"matchId\":\"" + id + "\",\"ver\":" + ver + ",\"col\":0}");
        }
        assertEquals("match_over", red.next("error").getString("code"));
        yellow.next("error");
        alice.close();
        bob.close();
        carol.close();
    }

    @Test
    void aReconnectingPlayerIsBackInTheMatchAndOneWhoStaysAwayLosesByAbandon() throws Exception {
        Client dave = player("dave");
        dave.sendJson("queue");
        Client carol = player("carol");
        carol.sendJson("queue");
        JsonObject match = dave.next("match");
        String id = match.getString("matchId");
        boolean daveStarts = "R".equals(match.getString("seat"));
        carol.next("match");
        long ver = dave.next("state").getJsonNumber("ver").longValue();
        carol.next("state");
        if (daveStarts) { // then it is carol's turn, and her clock (6 s) outlasts her grace (3 s)
            move(dave, id, ver, 0);
            ver = dave.next("state").getJsonNumber("ver").longValue();
        }

        carol.close(); // a reload: the seat belongs to carol, not to the socket
        JsonObject away = dave.next("presence");
        assertEquals(false, away.getBoolean("connected"));
        Client again = Wss.connect("/ws/game", "carol");
        JsonObject welcome = again.next("welcome");
        assertEquals(id, welcome.getJsonArray("matches").getJsonObject(0).getString("matchId"));
        assertTrue(dave.next("presence").getBoolean("connected"));
        again.next("match");
        if (!daveStarts) { // carol moves from her new connection, dave answers: carol's turn again
            move(again, id, ver, 0);
            ver = again.next("state").getJsonNumber("ver").longValue();
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
