package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import jakarta.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The /ws/game contract ({@link GameChecks}) on the redis engine: two Liberty nodes from this build on a real
 * redis-server, the two players of every match on different nodes (their match state lives in Redis, any node
 * applies a move, either node's clock check may claim a deadline). Last, node b is killed with kill -9 during two
 * matches: a player who was on it reconnects to node a and plays his match to its end there, and the match node b
 * made, whose other player never returns, is still ended by node a's clock checks.
 * The nodes run with a 10 s turn (the Redis outage test needs the time) and a 3 s grace.
 */
@ExtendWith(ArquillianExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GameClusterIT extends GameChecks {

    static RedisProcess redis;
    static String aclUri;
    static LibertyNode a;
    static LibertyNode b;

    @BeforeAll
    static void startCluster() throws Exception {
        Wss.ssl(); // waits for Arquillian's server: its keystore is the nodes' too
        redis = new RedisProcess(Path.of("target", "game-cluster-it", "redis"));
        redis.start();
        aclUri = redis.aclUserFromDocs("it-acl-password"); // the nodes run as the documented least-privilege user
        a = node("game-a");
        b = node("game-b");
        LibertyNode.startAll(a, b);
    }

    private static LibertyNode node(String name) throws Exception {
        return new LibertyNode(name, Map.of("REDIS_URI", aclUri, "NODE_NAME", name,
                "PRESENCE_TTL_SECONDS", "6", "GAME_TURN_SECONDS", "10", "GAME_GRACE_SECONDS", "3",
                "GAME_KEEP_SECONDS", "10", "GAME_MAX_SPECTATORS", "2"));
    }

    @AfterAll
    static void stopCluster() {
        LibertyNode.closeAll(a, b, redis);
    }

    @Override
    Client connect(String user, int node) {
        return Wss.connectAt((node == 0 ? a : b).port(), "/ws/game", user);
    }

    @Override
    int[] ports() {
        return new int[] {a.port(), b.port()};
    }

    @Test
    @Order(Integer.MAX_VALUE - 2)
    void aRedisThatLostMovesIsTheTruthBothPlayersGetItsStateAndTheMatchGoesOnFromIt() throws Exception {
        // Redis comes back from a snapshot taken before the last two moves (as after an AOF everysec crash or a
        // failover to a replica that lagged). Before, the nodes kept the lost version: every move the players made
        // on it was refused as stale, and the stored (older) state never reached them.
        Client alice = player("alice", 0);
        Client bob = player("bob", 1);
        Pair p = match(alice, bob);
        JsonObject kept = play(p, "33", 1);
        redis.snapshot();
        play(p, "44", ver(kept));
        redis.crashToSnapshot();
        redis.aclUserFromDocs("it-acl-password"); // ACL users live in memory: the documented one again

        for (Client c : p.both()) { // each node's resync reads the match again and sends the store's state
            JsonObject back = c.next(java.time.Duration.ofSeconds(40),
                    f -> "state".equals(f.getString("type")) && ver(f) == ver(kept));
            assertEquals(kept.getString("board"), back.getString("board"), "the version the store has");
        }
        move(p.red(), p.id(), ver(kept), 5);
        JsonObject next = p.red().next("state");
        assertEquals(ver(kept) + 1, ver(next), "a move on the store's version is accepted: " + next);
        assertEquals(next, p.yellow().next("state"));
        p.yellow().sendJson("resign", "matchId", p.id());
        assertEquals("resign", p.red().next("state").getString("reason"));
        closeAll(alice, bob);
    }

    @Test
    @Order(Integer.MAX_VALUE - 1)
    void withRedisDownAMoveIsAnsweredUnavailableAndTheMatchGoesOnWhenItIsBack() throws Exception {
        Client alice = player("alice", 0);
        Client bob = player("bob", 1);
        Pair p = match(alice, bob);
        redis.stop();
        try {
            move(p.red(), p.id(), 1, 3);
            JsonObject e = p.red().next("error");
            assertEquals("unavailable", e.getString("code"));
            assertEquals(p.id(), e.getString("matchId"));
            Client late = connect("carol", 1);
            assertEquals(1013, late.awaitClose(), "a connection that cannot be welcomed is told to come back");
            assertEquals("unavailable", late.closeReason());
        } finally {
            redis.start();
            redis.aclUserFromDocs("it-acl-password"); // ACL users live in memory: the documented one again
        }
        JsonObject state = null;
        long deadline = System.nanoTime() + Wss.TIMEOUT.toNanos();
        while (state == null && System.nanoTime() < deadline) { // the node reconnects within 2 s
            move(p.red(), p.id(), 1, 3);
            JsonObject f = p.red().next(x -> "error".equals(x.getString("type")) || "state".equals(x.getString("type")));
            if ("state".equals(f.getString("type"))) {
                state = f;
            } else {
                assertEquals("unavailable", f.getString("code"));
                Thread.sleep(200); // the client's retry interval
            }
        }
        assertEquals(2, ver(state), "the match was kept (Redis persists it) and the move applied once");
        assertEquals(state, p.yellow().next("state"));
        p.yellow().sendJson("resign", "matchId", p.id());
        assertEquals("resign", p.red().next("state").getString("reason"));
        closeAll(alice, bob);
    }

    @Test
    @Order(Integer.MAX_VALUE) // kills node b
    void aMatchSurvivesTheKillOfTheNodeOnePlayerIsOn() throws Exception {
        Client alice = player("alice", 0);
        Client bob = player("bob", 1);
        Pair p = match(alice, bob);
        JsonObject state = play(p, "3344", 1); // both on row 0 and 1 of columns 3 and 4
        long ver = ver(state);
        Client carol = player("carol", 0); // a second match, made by node b (dave queues there, second)
        Client dave = player("dave", 1);
        Pair q = match(carol, dave);
        long qver = 1;
        if (q.red() == carol) { // carol moves, so that it is dave's clock that runs
            move(carol, q.id(), 1, 0);
            qver = ver(carol.next("state"));
        }

        b.kill(); // bob's and dave's node: no close frame, no cleanup; the matches live in Redis
        Client back = connect("bob", 0);
        JsonObject welcome = back.next("welcome");
        JsonObject resumed = welcome.getJsonArray("matches").getJsonObject(0);
        assertEquals(p.id(), resumed.getString("matchId"));
        assertEquals(state, resumed, "the welcome on the other node carries the match as it was");
        String seat = back.next("match").getString("seat");
        Pair after = "R".equals(seat) ? new Pair(back, alice, p.id(), resumed) : new Pair(alice, back, p.id(), resumed);
        JsonObject end = play(after, "5", ver); // R: (3,0) (4,0) (5,0) — not yet four
        ver = ver(end);
        move(after.yellow(), p.id(), ver, 6);
        ver = ver(after.yellow().next("state"));
        after.red().next("state");
        move(after.red(), p.id(), ver, 2); // R: (2,0) .. (5,0)
        JsonObject win = after.red().next("state");
        assertEquals("four", win.getString("reason"));
        assertEquals("R", win.getString("winner"));
        assertEquals(win, after.yellow().next("state"));
        assertTrue(win.getString("board").startsWith("..RRRRY"), win.getString("board"));

        // dave never comes back: the match node b made still ends, by node a's clock checks — on time (10 s)
        // or by abandon (his node's entry expires after presence.ttl.seconds, then the 3 s grace), whichever first
        JsonObject over = carol.next(f -> "state".equals(f.getString("type")) && "over".equals(f.getString("status")));
        assertTrue(List.of("timeout", "abandon").contains(over.getString("reason")), over.toString());
        assertEquals(q.red() == carol ? "R" : "Y", over.getString("winner"));
        assertEquals(qver + 1, ver(over), "one change ended it");
        closeAll(alice, back, carol);
    }
}
