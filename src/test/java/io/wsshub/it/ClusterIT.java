package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import jakarta.json.JsonObject;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two Liberty nodes from this build on one real Redis (docs/cluster.md): a room is one id sequence whichever
 * node a client is on, presence is the union, a client resumes or retries on the other node, quotes and logouts
 * reach every node, Redis going away answers "unavailable" and coming back loses nothing acknowledged, and a node
 * killed with kill -9 loses no acknowledged message, leaves no ghost and hands the feed over.
 *
 * <p>Arquillian's server (the memory engine) is only there so that its generated keystore exists: the nodes are
 * copies of it.
 */
@ExtendWith(ArquillianExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    static final int PRESENCE_TTL_SECONDS = 6;
    /** The nodes' per-user connection cap, counted across the cluster. */
    static final int PER_USER = 3;
    /** presence.list.max of the nodes: a room of three has a count and no member list. */
    static final int LIST_MAX = 2;
    static RedisProcess redis;
    static String aclUri;
    static LibertyNode a;
    static LibertyNode b;

    @BeforeAll
    static void startCluster() throws Exception {
        Wss.ssl(); // waits for Arquillian's server: its keystore is the nodes' too
        redis = new RedisProcess(Path.of("target", "cluster-it", "redis"));
        redis.start();
        aclUri = redis.aclUserFromDocs("it-acl-password"); // the nodes run as the documented least-privilege user
        a = node("node-a");
        b = node("node-b");
        LibertyNode.startAll(a, b);
    }

    private static LibertyNode node(String name) throws Exception {
        return new LibertyNode(name, Map.of("REDIS_URI", aclUri, "NODE_NAME", name,
                "PRESENCE_TTL_SECONDS", Integer.toString(PRESENCE_TTL_SECONDS),
                "TRANSPORT_MAX_CONNECTIONS_PER_USER", Integer.toString(PER_USER),
                "PRESENCE_LIST_MAX", Integer.toString(LIST_MAX)));
    }

    @AfterAll
    static void stopCluster() {
        LibertyNode.closeAll(a, b, redis);
    }

    static String room(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Client join(LibertyNode n, String room, String user, String query) throws InterruptedException {
        Client c = Wss.connectAt(n.port(), "/ws/chat/" + room + query, user);
        return c;
    }

    @Test
    @Order(1)
    void aMessageSentOnOneNodeReachesTheOtherWithTheSameIdAndPresenceIsTheUnion() throws Exception {
        String room = room("x");
        Client alice = join(a, room, "alice", "");
        JsonObject w1 = alice.next("welcome");
        assertEquals(List.of("alice"), strings(w1, "members"));
        Client bob = join(b, room, "bob", "");
        JsonObject w2 = bob.next("welcome");
        assertEquals(List.of("alice", "bob"), strings(w2, "members"), "members are the union over the nodes");
        assertEquals(w1.getString("epoch"), w2.getString("epoch"), "one epoch per room across nodes");
        JsonObject joined = alice.next("presence");
        assertEquals("join", joined.getString("event"));
        assertEquals("bob", joined.getString("user"));

        alice.sendJson("send", "text", "from a", "clientId", "a-1");
        JsonObject onA = alice.next("message");
        JsonObject onB = bob.next("message");
        assertEquals(1, onA.getInt("id"));
        assertEquals(onA, onB);
        bob.sendJson("send", "text", "from b");
        assertEquals(2, alice.next("message").getInt("id"));
        assertEquals(2, bob.next("message").getInt("id"));

        Client bob2 = join(a, room, "bob", ""); // bob's second connection, on the other node: no second join
        bob2.next("welcome");
        bob.close();
        bob2.close();
        JsonObject left = alice.next("presence");
        assertEquals("leave", left.getString("event"), "one leave, when bob's last connection anywhere closed");
        assertEquals(List.of("alice"), strings(left, "members"));
        assertTrue(alice.drain().stream().noneMatch(f -> "presence".equals(f.getString("type"))));
        alice.close();
    }

    @Test
    @Order(2)
    void aClientResumesOnTheOtherNodeWithExactlyWhatItMissed() throws Exception {
        String room = room("r");
        Client alice = join(a, room, "alice", "");
        String epoch = alice.next("welcome").getString("epoch");
        alice.sendJson("send", "text", "seen");
        long seen = alice.next("message").getJsonNumber("id").longValue();
        alice.close();

        Client bob = join(b, room, "bob", "");
        bob.next("welcome");
        for (int i = 0; i < 5; i++) {
            bob.sendJson("send", "text", "missed " + i);
            bob.next("message");
        }
        Client back = join(b, room, "alice", "?since=" + seen + "&epoch=" + epoch);
        JsonObject w = back.next("welcome");
        assertTrue(w.getBoolean("recovered"));
        assertEquals(List.of(seen + 1, seen + 2, seen + 3, seen + 4, seen + 5), ids(w));
        assertEquals("missed 0", w.getJsonArray("history").getJsonObject(0).getString("text"));
        back.close();
        bob.close();
    }

    @Test
    @Order(3)
    void aRetryOfTheSameClientIdOnTheOtherNodeGetsTheOriginalAndNoNewId() throws Exception {
        String room = room("d");
        Client watcher = join(b, room, "carol", "");
        watcher.next("welcome");
        Client alice = join(a, room, "alice", "");
        alice.next("welcome");
        alice.sendJson("send", "text", "once", "clientId", "c-42");
        JsonObject original = alice.next("message");
        assertEquals(original, watcher.next("message"));
        alice.close();

        Client retry = join(b, room, "alice", "");
        retry.next("welcome");
        retry.sendJson("send", "text", "once", "clientId", "c-42");
        assertEquals(original, retry.next("message"), "the original comes back");
        retry.sendJson("send", "text", "next");
        assertEquals(original.getInt("id") + 1, retry.next("message").getInt("id"), "no id was consumed");
        JsonObject seenByWatcher = watcher.next("message");
        assertEquals("next", seenByWatcher.getString("text"), "the others did not get the retry again");
        retry.close();
        watcher.close();
    }

    @Test
    @Order(4)
    void aQuotePostedOnEitherNodeReachesSubscribersOnBothWithOneSeq() throws Exception {
        String symbol = "CL" + Long.toString(System.nanoTime() % 100000, 36).toUpperCase();
        assertEquals(200, postQuote(a, symbol, "10.00"));
        Client onB = Wss.connectAt(b.port(), "/ws/market", "bob");
        Client onA = Wss.connectAt(a.port(), "/ws/market", "alice");
        JsonObject snapB = subscribe(onB, symbol);
        JsonObject snapA = subscribe(onA, symbol);
        assertEquals("10.00", snapB.getString("price"), "the snapshot on B is the quote posted on A");
        assertEquals(1, snapB.getInt("seq"));
        assertEquals(snapA, snapB);
        assertEquals(200, postQuote(b, symbol, "10.50"));
        assertEquals(200, postQuote(a, symbol, "11.00"));
        for (Client c : List.of(onA, onB)) {
            JsonObject q2 = c.next(f -> "quote".equals(f.getString("type")) && symbol.equals(f.getString("symbol")));
            JsonObject q3 = c.next(f -> "quote".equals(f.getString("type")) && symbol.equals(f.getString("symbol")));
            assertEquals(2, q2.getInt("seq"));
            assertEquals("10.50", q2.getString("price"));
            assertEquals("0.50", q2.getString("change"));
            assertEquals(3, q3.getInt("seq"));
            assertEquals("11.00", q3.getString("price"));
        }
        onA.close();
        onB.close();
    }

    @Test
    @Order(5)
    void aLogoutOnOneNodeClosesThatLoginsSocketsOnEveryNodeAndItsCookieIsRefusedEverywhere() throws Exception {
        HttpClient http = Wss.http();
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + a.port()
                        + "/login")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("j_username=alice&j_password=" + Wss.PASSWORD)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(302, login.statusCode());
        String cookie = String.join("; ", ((CookieManager) http.cookieHandler().orElseThrow()).getCookieStore()
                .getCookies().stream().filter(c -> c.getName().equals("LtpaToken2"))
                .map(c -> c.getName() + "=" + c.getValue()).toList());
        String room = room("l");
        Client onA = Wss.connectAt(a.port(), "/ws/chat/" + room, "Cookie", cookie);
        onA.next("welcome");
        Client onB = Wss.connectAt(b.port(), "/ws/chat/" + room, "Cookie", cookie);
        onB.next("welcome");

        HttpResponse<String> out = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + a.port()
                + "/logout")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(302, out.statusCode());
        assertEquals(1008, onA.awaitClose());
        assertEquals(1008, onB.awaitClose(), "the socket on the other node closed too");
        assertEquals("logged out", onB.closeReason());
        int replay = handshakeStatusAt(b, "/ws/chat/" + room, "Cookie", cookie);
        assertEquals(401, replay, "the logged-out cookie is refused by the other node");
        long revokedKeys = keys("wsshub:revoked:*");
        assertTrue(revokedKeys >= 1, "the logout is in Redis for nodes that start later");

        // a logout authenticated by HTTP Basic revokes no cookie, whatever LtpaToken2 value it carries
        HttpResponse<String> junk = Wss.http().send(HttpRequest.newBuilder(URI.create("https://localhost:" + b.port()
                        + "/logout")).header("Authorization", Wss.basic("bob", Wss.PASSWORD))
                .header("Cookie", "LtpaToken2=not-a-login-of-bob").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(302, junk.statusCode());
        assertEquals(revokedKeys, keys("wsshub:revoked:*"), "nothing was added to the revocation list");
    }

    @Test
    @Order(6)
    void thePerUserConnectionCapCountsTheUsersConnectionsOnEveryNode() throws Exception {
        String room = room("cap");
        Client one = join(a, room, "carol", "");
        one.next("welcome");
        Client two = join(a, room, "carol", "");
        two.next("welcome");
        Client three = join(b, room, "carol", "");
        three.next("welcome");
        Client four = join(b, room, "carol", "");
        assertEquals(1013, four.awaitClose(), "a fourth connection, on the node that holds only one");
        assertEquals("too many connections for this user", four.closeReason());
        assertTrue(four.drain().isEmpty(), "no welcome before the refusal");

        one.close();
        Instant deadline = Instant.now().plusSeconds(15);
        while (true) { // the release is asynchronous: the place is free once Redis has it
            Client again = join(b, room, "carol", "");
            JsonObject first = again.firstOrClosed();
            if (first != null) {
                assertEquals("welcome", first.getString("type"));
                again.close();
                break;
            }
            assertTrue(Instant.now().isBefore(deadline), "the closed connection's place was not freed");
            Thread.sleep(100);
        }
        two.close();
        three.close();
    }

    /** Opens /ws on node {@code n} and takes its connected frame. */
    static Client ws(LibertyNode n, String user) throws InterruptedException {
        Client c = Wss.connectAt(n.port(), "/ws", user);
        assertEquals("connected", c.next().getString("type"));
        return c;
    }

    static HttpResponse<String> post(LibertyNode n, String user, String path, String json) throws Exception {
        return Wss.http().send(HttpRequest.newBuilder(URI.create("https://localhost:" + n.port() + path))
                .header("Authorization", Wss.basic(user, Wss.PASSWORD)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(7)
    void channelsSpanNodesNotificationsReachTheUsersNodeAndADisconnectClosesEverywhere() throws Exception {
        String room = room("ch");
        String ch = "chat:" + room;
        Client alice = ws(b, "alice");
        ChannelIT.subscribe(alice, "user:alice");
        JsonObject personal = alice.next("subscribed");
        ChannelIT.subscribe(alice, ch);
        alice.next(f -> "subscribed".equals(f.getString("type")) && ch.equals(f.getString("channel")));
        Client bob = ws(a, "bob");
        ChannelIT.subscribe(bob, ch);
        JsonObject s = bob.next("subscribed");
        assertEquals(2, s.getInt("count"), "presence counts span the nodes");
        JsonObject join = alice.next("presence");
        assertEquals(ch, join.getString("channel"));
        assertEquals(2, join.getInt("count"));
        assertEquals(List.of("alice", "bob"), strings(join, "members"));
        // a third member: over presence.list.max, the frames (from either node, through Redis) carry the count only
        Client carolB = ws(b, "carol");
        ChannelIT.subscribe(carolB, ch);
        JsonObject third = carolB.next("subscribed");
        assertEquals(3, third.getInt("count"));
        assertFalse(third.containsKey("members"), third.toString());
        JsonObject bigger = bob.next("presence");
        assertEquals("carol", bigger.getString("user"));
        assertEquals(3, bigger.getInt("count"));
        assertFalse(bigger.containsKey("members"), bigger.toString());
        alice.next("presence");

        // a notification posted on node a reaches alice's socket on node b
        HttpResponse<String> r = post(a, "feed", "/api/channels/user:alice/messages",
                ChannelIT.body("ping from a", "n-" + UUID.randomUUID()));
        assertEquals(201, r.statusCode(), r.body());
        JsonObject note = alice.next("message");
        assertEquals("user:alice", note.getString("channel"));
        assertEquals("ping from a", note.getString("text"));

        // the channel resumes on the other node with exactly what was missed
        alice.close();
        assertEquals(201, post(b, "feed", "/api/channels/user:alice/messages", ChannelIT.body("while away", null))
                .statusCode());
        Client back = ws(a, "alice");
        back.send(jakarta.json.Json.createObjectBuilder().add("type", "subscribe").add("channel", "user:alice")
                .add("since", note.getJsonNumber("id").longValue()).add("epoch", personal.getString("epoch"))
                .build().toString());
        JsonObject resumed = back.next("subscribed");
        assertTrue(resumed.getBoolean("recovered"));
        assertEquals(List.of("while away"), resumed.getJsonArray("history").getValuesAs(JsonObject.class).stream()
                .map(m -> m.getString("text")).toList());
        back.close();

        // an operator on node a closes carol's sockets on both nodes
        Client carolA = ws(a, "carol");
        HttpResponse<String> d = post(a, "operator", "/api/users/carol/disconnect", "");
        assertEquals(200, d.statusCode(), d.body());
        assertEquals(1, Wss.parse(d.body()).getInt("closed"), "the answering node closed its own socket");
        for (Client c : new Client[] {carolA, carolB}) {
            assertEquals(1008, c.awaitClose());
            assertEquals("disconnected", c.closeReason());
        }
        bob.close();
    }

    @Test
    @Order(8)
    void aRedisHiccupDoesNotFlapReadiness() throws Exception {
        // Redis stops answering for 7 s (SIGSTOP: the process is frozen, its sockets stay open), as in a long
        // fork for a snapshot or a slow script: both nodes stay ready throughout, then everything works
        long pid = redis.pid();
        assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor());
        Instant resume = Instant.now().plusSeconds(7); // past the engine probe's own 5 s, within the grace
        try {
            while (Instant.now().isBefore(resume)) {
                for (LibertyNode n : new LibertyNode[] {a, b}) {
                    HttpResponse<String> r = DrainIT.call(n, "GET", "/health/ready", null);
                    assertEquals(200, r.statusCode(), "readiness flapped during a 7 s hiccup: " + r.body());
                }
                Thread.sleep(200); // polling readiness as a balancer does
            }
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
        }
        String room = room("hiccup");
        Client alice = Wss.connectAt(a.port(), "/ws/chat/" + room, "alice");
        alice.next("welcome");
        alice.sendJson("send", "text", "after the hiccup");
        assertEquals("after the hiccup", alice.next("message").getString("text"));
        alice.close();
    }

    @Test
    @Order(9)
    void redisDownAnswersUnavailableAndKeepsSocketsOpenAndComingBackLosesNothingAcknowledged() throws Exception {
        String room = room("u");
        Client alice = join(a, room, "alice", "");
        String epoch = alice.next("welcome").getString("epoch");
        Client bob = join(b, room, "bob", "");
        bob.next("welcome");
        alice.next("presence");
        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            alice.sendJson("send", "text", "before " + i, "clientId", "before-" + i);
            acknowledged.add(alice.next("message").getString("text"));
            bob.next("message");
        }
        Client channels = ws(a, "carol"); // a /ws socket in the room
        ChannelIT.subscribe(channels, "chat:" + room);
        channels.next("subscribed");

        redis.stop();
        ChannelIT.publish(channels, "chat:" + room, "on /ws", "ws-1");
        JsonObject wsRefused = channels.next("error");
        assertEquals("unavailable", wsRefused.getString("code"));
        assertEquals("chat:" + room, wsRefused.getString("channel"));
        assertEquals("ws-1", wsRefused.getString("clientId"));
        String other = "chat:" + room("w");
        JsonObject noSub = ChannelIT.sub(channels, other);
        assertEquals("error", noSub.getString("type"), noSub.toString());
        assertEquals("unavailable", noSub.getString("code"), "a subscribe while Redis is down leaves no subscription");
        alice.sendJson("send", "text", "during", "clientId", "during-1");
        JsonObject refused = alice.next("error");
        assertEquals("unavailable", refused.getString("code"));
        assertEquals("during-1", refused.getString("clientId"));
        Client newcomer = Wss.connectAt(b.port(), "/ws/chat/" + room("n"), "carol");
        assertEquals(1013, newcomer.awaitClose());
        assertEquals("unavailable", newcomer.closeReason());
        assertEquals(503, postQuote(a, "ACME", "1.00"));
        assertFalse(alice.closed.isDone(), "open sockets stay open");
        assertFalse(bob.closed.isDone());
        assertFalse(channels.closed.isDone(), "the /ws socket stays open with its other channel");
        String notReady = awaitReadiness(a, 503); // the load balancer takes the node out while Redis is gone
        assertTrue(notReady.contains("\"engine\"") && notReady.contains("DOWN"), notReady);
        assertTrue(DrainIT.call(a, "GET", "/health/live", null).statusCode() == 200, "alive all the same");

        redis.start(); // same directory: the AOF brings everything back
        redis.aclUserFromDocs("it-acl-password"); // ACL users live in memory: the documented one again
        awaitReadiness(a, 200);
        JsonObject stored = null;
        Instant deadline = Instant.now().plusSeconds(30);
        while (stored == null) { // the client's retry with its clientId, until the store is back
            assertTrue(Instant.now().isBefore(deadline), "sends did not work again after Redis came back");
            alice.sendJson("send", "text", "during", "clientId", "during-1");
            JsonObject f = alice.next(o -> "message".equals(o.getString("type")) || "error".equals(o.getString("type")));
            if ("message".equals(f.getString("type"))) {
                stored = f;
            } else {
                Thread.sleep(200); // the client's back-off between retries
            }
        }
        assertEquals(11, stored.getInt("id"), "one id for the retried message, right after the acknowledged ones");
        assertEquals(stored, bob.next("message"), "delivered on the other node too, once");
        JsonObject onWs = channels.next("message");
        assertEquals(11, onWs.getInt("id"), "the /ws subscription is still live after Redis came back");
        assertEquals("chat:" + room, onWs.getString("channel"));
        channels.close();
        Client again = join(b, room, "carol", "?since=0&epoch=" + epoch);
        JsonObject w = again.next("welcome");
        assertTrue(w.getBoolean("recovered"), "same epoch after the restart");
        List<String> texts = w.getJsonArray("history").getValuesAs(JsonObject.class).stream()
                .map(m -> m.getString("text")).toList();
        List<String> expected = new ArrayList<>(acknowledged);
        expected.add("during");
        assertEquals(expected, texts, "every acknowledged message is still in history, once");
        again.close();
        alice.close();
        bob.close();
    }

    @Test
    @Order(10)
    void anApplicationRestartKeepsTheEpochAndLeaksNoRedisClientThreads() throws Exception {
        String room = room("restart");
        Client alice = join(a, room, "alice", "");
        String epoch = alice.next("welcome").getString("epoch");
        alice.sendJson("send", "text", "before the restart");
        long last = alice.next("message").getJsonNumber("id").longValue();
        long lettuceBefore = a.threads("lettuce-");
        assertTrue(lettuceBefore > 0, "the redis engine's threads are there");

        a.restartApplication();
        assertEquals(1001, alice.awaitClose());
        Instant deadline = Instant.now().plusSeconds(60);
        Client back = null;
        while (back == null) { // the application is back when a handshake is welcomed again
            assertTrue(Instant.now().isBefore(deadline), "the application did not come back");
            JsonObject first = null;
            Client c = null;
            try {
                c = Wss.connectAt(a.port(), "/ws/chat/" + room + "?since=" + last + "&epoch=" + epoch, "alice");
                first = c.firstOrClosed();
            } catch (AssertionError refused) {
                // the application is not deployed yet (the handshake is refused)
            }
            if (first != null && "welcome".equals(first.getString("type"))) {
                assertTrue(first.getBoolean("recovered"), "a restart no longer changes the room's epoch");
                assertEquals(epoch, first.getString("epoch"));
                back = c;
            } else {
                Thread.sleep(250); // 1013 unavailable while the new engine connects
            }
        }
        back.close();
        assertTrue(a.threads("lettuce-") <= lettuceBefore, "the stopped application's Redis client threads ended");
    }

    @Test
    @Order(11)
    void aRedisThatComesBackOlderIsHealedTheRoomsResumeUnrecoveredAndNoNewMessageIsDroppedOrGivenASeenId()
            throws Exception {
        // A Redis restarted from a snapshot taken before m4 and m5, which both nodes had delivered: what AOF
        // everysec loses in a crash, or a failover to a replica that lagged. Before, the next messages reused ids
        // 4 and 5 and every node that had delivered those dropped them (0 delivered), and joiners looped on resync.
        String busy = "chat:" + room("rb");
        String quiet = "chat:" + room("rq");
        Client alice = ws(a, "alice");
        String epoch = ChannelIT.sub(alice, busy).getString("epoch");
        String quietEpoch = ChannelIT.sub(alice, quiet).getString("epoch");
        Client bob = ws(b, "bob");
        assertEquals("subscribed", ChannelIT.sub(bob, busy).getString("type"));
        String symbol = "RB" + UUID.randomUUID().toString().substring(0, 6).toUpperCase();
        String market = "market:" + symbol;
        assertEquals(200, postQuote(a, symbol, "1.00"));
        assertEquals("subscribed", ChannelIT.sub(alice, market).getString("type"));
        assertEquals("subscribed", ChannelIT.sub(bob, market).getString("type"));
        for (int i = 1; i <= 5; i++) {
            if (i == 4) {
                redis.snapshot();
            }
            ChannelIT.publish(alice, busy, "m" + i, "rb-" + i);
            assertEquals(i, alice.next(f -> "message".equals(f.getString("type")) && busy.equals(f.getString("channel")))
                    .getInt("id"));
            assertEquals("m" + i, bob.next("message").getString("text"));
            ChannelIT.publish(alice, quiet, "q" + i, "rq-" + i);
            assertEquals(i, alice.next(f -> "message".equals(f.getString("type")) && quiet.equals(f.getString("channel")))
                    .getInt("id"));
        }
        for (int i = 2; i <= 20; i++) { // quotes 2..20, of which the snapshot has none
            assertEquals(200, postQuote(i % 2 == 0 ? a : b, symbol, i + ".00"));
        }
        for (Client c : List.of(alice, bob)) {
            assertEquals(20, c.next(f -> "quote".equals(f.getString("type")) && "20.00".equals(f.getString("price")))
                    .getInt("seq"));
        }

        redis.crashToSnapshot();
        redis.aclUserFromDocs("it-acl-password"); // ACL users live in memory: the documented one again

        // every subscription here ends with a resync (the quiet room too, found by the nodes' position checks)
        List<String> pending = new ArrayList<>(List.of(busy, quiet));
        while (!pending.isEmpty()) {
            JsonObject ended = alice.next(Duration.ofSeconds(40), f -> "unsubscribed".equals(f.getString("type"))
                    && pending.contains(f.getString("channel")));
            assertEquals("resync", ended.getString("reason"), ended.toString());
            pending.remove(ended.getString("channel"));
        }
        assertEquals("resync", bob.next(Duration.ofSeconds(40), f -> "unsubscribed".equals(f.getString("type")))
                .getString("reason"));
        // its resume is answered recovered:false in a new epoch whose ids go on above the lost ones
        for (Object[] sub : new Object[][] {{alice, busy, epoch, List.of("m1", "m2", "m3")},
                {bob, busy, epoch, List.of("m1", "m2", "m3")}, {alice, quiet, quietEpoch, List.of("q1", "q2", "q3")}}) {
            Client c = (Client) sub[0];
            String ch = (String) sub[1];
            c.send(jakarta.json.Json.createObjectBuilder().add("type", "subscribe").add("channel", ch).add("since", 5)
                    .add("epoch", (String) sub[2]).build().toString());
            JsonObject resumed = c.next(f -> "subscribed".equals(f.getString("type")) && ch.equals(f.getString("channel")));
            assertFalse(resumed.getBoolean("recovered"), "the lost messages cannot be recovered: " + resumed);
            assertFalse(sub[2].equals(resumed.getString("epoch")), "a new epoch");
            assertEquals(5, resumed.getInt("lastId"), "the ids go on above what the members saw: " + resumed);
            assertEquals(sub[3], resumed.getJsonArray("history").getValuesAs(JsonObject.class).stream()
                    .map(m -> m.getString("text")).toList());
        }
        JsonObject after = null;
        Instant deadline = Instant.now().plusSeconds(30);
        while (after == null) { // the client's retry with its clientId, until the store answers
            assertTrue(Instant.now().isBefore(deadline), "publishing did not work again after the rollback");
            ChannelIT.publish(alice, busy, "after", "rb-after");
            JsonObject f = alice.next(o -> busy.equals(o.getString("channel", null))
                    && ("message".equals(o.getString("type")) || "error".equals(o.getString("type"))));
            if ("message".equals(f.getString("type"))) {
                after = f;
            } else {
                Thread.sleep(200);
            }
        }
        assertEquals(6, after.getInt("id"), "not 4: that id named m4 for both members");
        assertEquals(after, bob.next("message"), "delivered on the other node, not dropped as a duplicate");

        // the next quote goes on above the lost seqs: before, it was numbered 2 and both nodes dropped it as old
        Instant quoteDeadline = Instant.now().plusSeconds(30);
        int status;
        while ((status = postQuote(b, symbol, "99.00")) != 200) {
            assertEquals(503, status);
            assertTrue(Instant.now().isBefore(quoteDeadline), "quotes were not accepted again");
            Thread.sleep(200);
        }
        for (Client c : List.of(alice, bob)) {
            JsonObject q = c.next(f -> "quote".equals(f.getString("type")) && market.equals(f.getString("channel")));
            assertEquals("99.00", q.getString("price"));
            assertEquals(21, q.getInt("seq"), "the seq never goes back for a client");
        }

        // a newcomer to the quiet room is welcomed at once (no resync loop), and a post there gets a new id
        Client carol = ws(b, "carol");
        JsonObject welcome = ChannelIT.sub(carol, quiet);
        assertEquals(5, welcome.getInt("lastId"), welcome.toString());
        HttpResponse<String> posted = post(b, "feed", "/api/channels/" + quiet + "/messages",
                ChannelIT.body("q-after", "rq-after"));
        assertEquals(201, posted.statusCode(), posted.body());
        assertEquals(6, Wss.parse(posted.body()).getInt("id"));
        assertEquals("q-after", alice.next(f -> "message".equals(f.getString("type"))
                && quiet.equals(f.getString("channel"))).getString("text"));
        assertEquals(6, carol.next("message").getInt("id"));
        String metrics = DrainIT.call(a, "GET", "/metrics", Wss.basic("monitor", Wss.PASSWORD)).body();
        assertTrue(metrics.contains("wsshub_engine_rollbacks_total{feature=\"chat\"}"), "counted on node a");
        alice.close();
        bob.close();
        carol.close();
    }

    @Test
    @Order(12)
    void aKilledNodeLosesNoAcknowledgedMessageLeavesNoGhostAndHandsOverTheFeed() throws Exception {
        String holder = redis.command("GET wsshub:feed-lease");
        LibertyNode victim = b.name().equals(holder) ? b : a;
        LibertyNode survivor = victim == a ? b : a;
        String room = room("k");
        Client alice = join(survivor, room, "alice", "");
        String epoch = alice.next("welcome").getString("epoch");
        Client ticker = Wss.connectAt(survivor.port(), "/ws/market", "alice");
        subscribe(ticker, "ACME");
        Client carol = join(victim, room, "carol", "");
        carol.next("welcome");
        Client bob = join(victim, room, "bob", "");
        bob.next("welcome");
        long lastAcked = 0;
        for (int i = 1; i <= 20; i++) {
            bob.sendJson("send", "text", "m" + i, "clientId", "k-" + i);
            lastAcked = bob.next("message").getJsonNumber("id").longValue();
        }
        for (int i = 21; i <= 25; i++) { // in flight when the node dies: not acknowledged
            bob.sendJson("send", "text", "m" + i, "clientId", "k-" + i);
        }
        List<JsonObject> seenByBob = bob.drain();
        victim.kill();
        Instant killedAt = Instant.now();

        // bob resumes on the survivor and re-sends what he did not see acknowledged
        long since = lastAcked;
        for (JsonObject f : seenByBob) {
            if ("message".equals(f.getString("type"))) {
                since = Math.max(since, f.getJsonNumber("id").longValue());
            }
        }
        Client back = join(survivor, room, "bob", "?since=" + since + "&epoch=" + epoch);
        JsonObject w = back.next("welcome");
        assertTrue(w.getBoolean("recovered"), "resumed on the other node");
        for (int i = 21; i <= 25; i++) {
            back.sendJson("send", "text", "m" + i, "clientId", "k-" + i);
            back.next(f -> "message".equals(f.getString("type")));
        }
        // the observer on the survivor saw every message once, in id order, none lost
        List<String> texts = new ArrayList<>();
        long expectId = 1;
        while (texts.size() < 25) {
            JsonObject m = alice.next("message");
            assertEquals(expectId++, m.getJsonNumber("id").longValue(), "in id order, no gap, no duplicate");
            texts.add(m.getString("text"));
        }
        for (int i = 1; i <= 25; i++) {
            assertEquals("m" + i, texts.get(i - 1));
        }

        // carol was only on the dead node: she leaves within the presence TTL
        JsonObject left = alice.next(f -> "presence".equals(f.getString("type"))
                && "leave".equals(f.getString("event")) && "carol".equals(f.getString("user")));
        assertFalse(strings(left, "members").contains("carol"));

        // the feed lease moves to the survivor: ACME keeps ticking (a quote stamped after the kill is the survivor's)
        Instant deadline = Instant.now().plusSeconds(20);
        while (Instant.parse(ticker.next(f -> "quote".equals(f.getString("type"))).getString("ts")).isBefore(killedAt)) {
            assertTrue(Instant.now().isBefore(deadline), "the feed did not resume on " + survivor.name());
        }
        assertEquals(survivor.name(), redis.command("GET wsshub:feed-lease"));
        back.close();
        alice.close();
        ticker.close();
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static JsonObject subscribe(Client c, String symbol) throws InterruptedException {
        c.send("{\"type\":\"subscribe\",\"symbols\":[\"" + symbol + "\"]}");
        JsonObject snapshot = c.next("snapshot");
        return snapshot.getJsonArray("quotes").getJsonObject(0);
    }

    private static int postQuote(LibertyNode n, String symbol, String price) throws Exception {
        return Wss.http().send(HttpRequest.newBuilder(URI.create("https://localhost:" + n.port() + "/api/quotes"))
                        .header("Authorization", Wss.basic("feed", Wss.PASSWORD))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "[{\"symbol\":\"" + symbol + "\",\"price\":\"" + price + "\"}]")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static int handshakeStatusAt(LibertyNode n, String path, String header, String value) throws Exception {
        try {
            Client c = Wss.connectAsyncAt(n.port(), path, header, value).get(15, java.util.concurrent.TimeUnit.SECONDS);
            c.abort();
            return 101;
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException
                    ? e.getCause().getCause() : e.getCause();
            if (cause instanceof java.net.http.WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    /** Polls /health/ready of a node until it answers {@code status}; returns the body. */
    private static String awaitReadiness(LibertyNode n, int status) throws Exception {
        Instant deadline = Instant.now().plusSeconds(30); // operations.md: an outage shows within 30 s
        while (true) {
            HttpResponse<String> r = DrainIT.call(n, "GET", "/health/ready", null);
            if (r.statusCode() == status) {
                return r.body();
            }
            assertTrue(Instant.now().isBefore(deadline), "readiness stayed " + r.statusCode() + ": " + r.body());
            Thread.sleep(200);
        }
    }

    /** How many keys match, read with KEYS (fine for the handful a test makes). */
    private static long keys(String pattern) {
        String reply = redis.command("KEYS " + pattern); // "*N", the multi-bulk header
        return Long.parseLong(reply.substring(1));
    }

    private static List<String> strings(JsonObject o, String key) {
        return o.getJsonArray(key).getValuesAs(jakarta.json.JsonString.class).stream()
                .map(jakarta.json.JsonString::getString).toList();
    }

    private static List<Long> ids(JsonObject welcome) {
        return welcome.getJsonArray("history").getValuesAs(JsonObject.class).stream()
                .map(m -> m.getJsonNumber("id").longValue()).toList();
    }
}
