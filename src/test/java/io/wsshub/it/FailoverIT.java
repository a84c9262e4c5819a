package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 20 end to end: two Liberty nodes from this build on the sentinel URI of a real primary, two replicas and
 * three sentinels, with redis.ack.replicas=1. Chat on both nodes, a match between players on different nodes and
 * quotes flowing; then the replicas are frozen behind more data than the sockets buffer (the primary holds writes
 * no replica has), the primary is killed with kill -9 and the sentinels promote a replica.
 *
 * <p>Arquillian's server (the memory engine) is only there so that its generated keystore exists: the nodes are
 * copies of it.
 */
@ExtendWith(ArquillianExtension.class)
class FailoverIT {

    static RedisReplicaSet set;
    static LibertyNode a;
    static LibertyNode b;

    @BeforeAll
    static void startCluster() throws Exception {
        Wss.ssl();
        set = RedisReplicaSet.start(Path.of("target", "failover-it"), 2);
        a = node("failover-a");
        b = node("failover-b");
        LibertyNode.startAll(a, b);
    }

    private static LibertyNode node(String name) throws Exception {
        return new LibertyNode(name, Map.of("REDIS_URI", set.uri(), "NODE_NAME", name, "REDIS_ACK_REPLICAS", "1",
                "GAME_TURN_SECONDS", "60", "GAME_GRACE_SECONDS", "30"));
    }

    @AfterAll
    static void stopCluster() {
        LibertyNode.closeAll(a, b, set);
    }

    private static HttpResponse<String> get(LibertyNode n, String path, String user) throws Exception {
        return Wss.http().send(HttpRequest.newBuilder(URI.create("https://localhost:" + n.port() + path))
                .header("Authorization", Wss.basic(user, Wss.PASSWORD)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postQuote(LibertyNode n, String symbol, String price) throws Exception {
        return Wss.http().send(HttpRequest.newBuilder(URI.create("https://localhost:" + n.port() + "/api/quotes"))
                .header("Authorization", Wss.basic("feed", Wss.PASSWORD)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString("[{\"symbol\":\"" + symbol + "\",\"price\":\"" + price
                        + "\"}]")).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A chat message sent until it is acknowledged (its echo); "unavailable" errors are retried, as clients do. */
    private static JsonObject sendUntilEchoed(Client c, String text, String clientId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            c.sendJson("send", "text", text, "clientId", clientId);
            JsonObject f = c.next(Duration.ofSeconds(30), x -> clientId.equals(x.getString("clientId", null))
                    && ("message".equals(x.getString("type")) || "error".equals(x.getString("type"))));
            if ("message".equals(f.getString("type"))) {
                return f;
            }
            assertEquals("unavailable", f.getString("code"), f.toString());
            assertTrue(System.nanoTime() < deadline, "not acknowledged within 60 s");
            Thread.sleep(300);
        }
    }

    private static long id(JsonObject m) {
        return m.getJsonNumber("id").longValue();
    }

    private static long metric(LibertyNode n, String sample) throws Exception {
        HttpResponse<String> r = get(n, "/metrics", "monitor");
        assertEquals(200, r.statusCode());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return (long) Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }

    private static boolean ready(LibertyNode n) {
        try {
            return get(n, "/health/ready", "monitor").statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void aPrimaryKilledWhileItsReplicasLaggedLosesNothingAcknowledged() throws Exception {
        String room = "fo-" + UUID.randomUUID().toString().substring(0, 8);
        Client alice = Wss.connectAt(a.port(), "/ws/chat/" + room, "alice");
        alice.next("welcome");
        Client bob = Wss.connectAt(b.port(), "/ws/chat/" + room, "bob");
        String epoch = bob.next("welcome").getString("epoch");
        Map<Long, String> acked = new TreeMap<>(); // id -> text, as the echoes said
        List<JsonObject> bobSaw = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            JsonObject echo = sendUntilEchoed(alice, "a" + i, "a-" + i);
            acked.put(id(echo), echo.getString("text"));
            bobSaw.add(bob.next("message"));
        }

        Client carol = Wss.connectAt(a.port(), "/ws/game", "carol");
        carol.next("welcome");
        Client dave = Wss.connectAt(b.port(), "/ws/game", "dave");
        dave.next("welcome");
        GameChecks.Pair match = GameChecks.match(carol, dave);
        JsonObject game = GameChecks.play(match, "33", 1);

        String symbol = "FO" + UUID.randomUUID().toString().substring(0, 4).toUpperCase(java.util.Locale.ROOT);
        assertEquals(200, postQuote(a, symbol, "10.00").statusCode());
        Client watcher = Wss.connectAt(b.port(), "/ws/market", "erin");
        long seq = 0;
        while (seq == 0) { // node b hears of the new symbol through Redis: until then it is unknown there
            watcher.send(Json.createObjectBuilder().add("type", "subscribe")
                    .add("symbols", Json.createArrayBuilder(List.of(symbol))).build().toString());
            JsonObject f = watcher.next(x -> "snapshot".equals(x.getString("type")) || "error".equals(x.getString("type")));
            if ("snapshot".equals(f.getString("type"))) {
                seq = f.getJsonArray("quotes").getJsonObject(0).getJsonNumber("seq").longValue();
            } else {
                assertEquals("unknown_symbol", f.getString("code"), f.toString());
                Thread.sleep(100);
            }
        }

        // readiness must never take both nodes out at once during the failover
        AtomicBoolean watching = new AtomicBoolean(true);
        AtomicReference<String> bothDown = new AtomicReference<>();
        Thread health = new Thread(() -> {
            while (watching.get()) {
                if (!ready(a) && !ready(b)) {
                    bothDown.compareAndSet(null, "both nodes unready at " + java.time.Instant.now());
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        health.start();
        long failoversBefore = metric(a, "wsshub_engine_failovers_total") + metric(b, "wsshub_engine_failovers_total");

        RedisProcess old = set.freezeReplicas(); // the primary takes writes no replica has
        // nothing is acknowledged while no replica can have it
        alice.sendJson("send", "text", "held", "clientId", "held-1");
        JsonObject refused = alice.next(Duration.ofSeconds(30), f -> "held-1".equals(f.getString("clientId", null)));
        assertEquals("error", refused.getString("type"), "answered only once a replica has it: " + refused);
        assertEquals("unavailable", refused.getString("code"));
        GameChecks.move(match.red(), match.id(), GameChecks.ver(game), 4);
        JsonObject moveRefused = match.red().next(Duration.ofSeconds(30),
                f -> "error".equals(f.getString("type")) || "state".equals(f.getString("type")));
        assertEquals("unavailable", moveRefused.getString("code", null), "the move is not answered: " + moveRefused);
        assertEquals(503, postQuote(a, symbol, "11.00").statusCode(), "the quote is not acknowledged");

        long killed = System.nanoTime();
        set.killAndThaw(old);
        JsonObject held = sendUntilEchoed(alice, "held", "held-1");
        long windowMillis = Duration.ofNanos(System.nanoTime() - killed).toMillis();
        System.out.println("FailoverIT: kill -9 of the primary to the first acknowledged message: " + windowMillis
                + " ms (redis.ack.replicas=1)");
        assertEquals(4, id(held), "the next id: the write that was never acknowledged took none");
        acked.put(id(held), "held");
        bobSaw.add(bob.next("message"));
        JsonObject fromBob = sendUntilEchoed(bob, "b-after", "b-1");
        acked.put(id(fromBob), "b-after");
        bobSaw.add(fromBob);

        // the match goes on from its last acknowledged move
        JsonObject next = null;
        while (next == null) {
            GameChecks.move(match.red(), match.id(), GameChecks.ver(game), 4);
            JsonObject f = match.red().next(Duration.ofSeconds(30),
                    x -> "error".equals(x.getString("type")) || "state".equals(x.getString("type")));
            if ("state".equals(f.getString("type"))) {
                next = f;
            } else if ("stale_version".equals(f.getString("code"))) {
                // a try answered unavailable was stored after all, and a later read confirmed it: the retry is no
                // second move, and that move's state comes (protocol.md, games' Failures)
                next = match.red().next(Duration.ofSeconds(30), x -> "state".equals(x.getString("type")));
            } else {
                assertEquals("unavailable", f.getString("code"), f.toString());
                Thread.sleep(300);
            }
        }
        assertEquals(GameChecks.ver(game) + 1, GameChecks.ver(next));
        assertEquals(next, match.yellow().next("state"));

        // quotes: acknowledged again, and seq only goes up for clients
        int status = 0;
        for (int i = 0; i < 100 && status != 200; i++) {
            status = postQuote(a, symbol, "12.00").statusCode();
            if (status != 200) {
                assertEquals(503, status);
                Thread.sleep(300);
            }
        }
        assertEquals(200, status);
        JsonObject quote = watcher.next(Duration.ofSeconds(30), f -> "quote".equals(f.getString("type"))
                && "12.00".equals(f.getString("price")));
        assertTrue(quote.getJsonNumber("seq").longValue() > seq, "seq went up: " + quote);

        // every acknowledged message, under the id its echo carried, once, on both nodes
        Map<Long, String> bobMap = new TreeMap<>();
        for (JsonObject m : bobSaw) {
            assertEquals(null, bobMap.put(id(m), m.getString("text")), "id " + id(m) + " delivered twice to bob");
        }
        assertEquals(acked, bobMap);
        for (LibertyNode n : List.of(a, b)) {
            HttpResponse<String> h = get(n, "/api/channels/chat:" + room + "/history", "feed");
            assertEquals(200, h.statusCode(), h.body());
            Map<Long, String> stored = new TreeMap<>();
            for (JsonObject m : Wss.parse(h.body()).getJsonArray("messages").getValuesAs(JsonObject.class)) {
                stored.put(id(m), m.getString("text"));
            }
            assertEquals(acked, stored, "history on " + n.name());
            assertEquals(epoch, Wss.parse(h.body()).getString("epoch"), "no epoch change: nothing acknowledged was lost");
        }
        for (Client c : List.of(alice, bob, carol, dave, watcher)) {
            assertFalse(c.closed.isDone(), "every socket stayed open");
        }
        // alice got bob's message; besides it, only the original of her own retried send may come again (a retry
        // is answered with the original: protocol.md), and then under the same id with the same text
        List<JsonObject> late = alice.drain().stream().filter(f -> "message".equals(f.getString("type"))).toList();
        assertTrue(late.stream().anyMatch(f -> "b-after".equals(f.getString("text"))), late.toString());
        for (JsonObject m : late) {
            assertEquals(acked.get(id(m)), m.getString("text"), "id " + id(m) + " names one message: " + late);
            assertTrue("b-after".equals(m.getString("text")) || "held-1".equals(m.getString("clientId", null)),
                    "only a retried send is answered again: " + late);
        }
        // bob, likewise: only his own retried send may come again (a first try answered unavailable and confirmed
        // later reaches the room, him included, and his retry is answered with that original), under its one id
        List<JsonObject> bobLate = bob.drain().stream().filter(f -> "message".equals(f.getString("type"))).toList();
        for (JsonObject m : bobLate) {
            assertEquals("b-1", m.getString("clientId", null), "nothing else twice for bob: " + bobLate);
            assertEquals(id(fromBob), id(m), "one id for bob's message: " + bobLate);
        }

        watching.set(false);
        health.join();
        assertEquals(null, bothDown.get(), "readiness never took both nodes out");
        assertTrue(metric(a, "wsshub_engine_failovers_total") >= 1, "node a counted the failover");
        assertTrue(metric(b, "wsshub_engine_failovers_total") >= 1, "node b counted the failover");
        assertTrue(metric(a, "wsshub_engine_failovers_total") + metric(b, "wsshub_engine_failovers_total")
                > failoversBefore);
        GameChecks.closeAll(alice, bob, carol, dave, watcher);
    }
}
