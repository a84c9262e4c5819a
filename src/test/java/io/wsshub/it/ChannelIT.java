package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** /ws over real wss://: namespaces, permissions, one socket for many channels, the server API. */
@ExtendWith(ArquillianExtension.class)
class ChannelIT {

    private static String newRoom() {
        return "it-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Opens /ws as {@code user} and takes the connected frame. */
    static Client ws(String user) throws InterruptedException {
        Client c = Wss.connect("/ws", user);
        JsonObject connected = c.next();
        assertEquals("connected", connected.getString("type"), connected.toString());
        assertEquals(user, connected.getString("user"));
        return c;
    }

    static void subscribe(Client c, String channel) {
        c.send(Json.createObjectBuilder().add("type", "subscribe").add("channel", channel).build().toString());
    }

    /** Subscribes and returns the answer about that channel (subscribed or error). */
    static JsonObject sub(Client c, String channel) throws InterruptedException {
        subscribe(c, channel);
        return c.next(f -> channel.equals(f.getString("channel", null))
                && ("subscribed".equals(f.getString("type")) || "error".equals(f.getString("type"))));
    }

    static void publish(Client c, String channel, String text, String clientId) {
        var b = Json.createObjectBuilder().add("type", "publish").add("channel", channel).add("text", text);
        if (clientId != null) {
            b.add("clientId", clientId);
        }
        c.send(b.build().toString());
    }

    private static List<String> strings(JsonObject o, String key) {
        return o.getJsonArray(key).getValuesAs(JsonString.class).stream().map(JsonString::getString).toList();
    }

    private static long id(JsonObject m) {
        return m.getJsonNumber("id").longValue();
    }

    /** A ping answered by the next frame being the pong: nothing else was sent before it. */
    private static void assertNothingElseThenPong(Client c) throws InterruptedException {
        c.sendJson("ping");
        JsonObject f = c.next();
        assertEquals("pong", f.getString("type"), "expected nothing before the pong, got " + f);
    }

    private static void assertError(JsonObject f, String code, String channel) {
        assertEquals("error", f.getString("type"), f.toString());
        assertEquals(code, f.getString("code"), f.toString());
        assertEquals(channel, f.getString("channel"), f.toString());
        assertFalse(f.getString("message").isEmpty());
    }

    @Test
    void oneSocketIsInTheSameRoomAsTheSingleChannelEndpoint() throws Exception {
        String room = newRoom();
        String ch = "chat:" + room;
        Client alice = ws("alice");
        JsonObject s = sub(alice, ch);
        assertEquals("subscribed", s.getString("type"), s.toString());
        assertEquals(List.of("alice"), strings(s, "members"));
        assertEquals(1, s.getInt("count"));
        assertEquals(0, s.getJsonNumber("lastId").longValue());
        assertTrue(s.getJsonArray("history").isEmpty());
        assertFalse(s.getString("epoch").isEmpty());
        assertFalse(s.containsKey("recovered"), "recovered only answers a resume");

        Client bob = Wss.connect("/ws/chat/" + room, "bob");
        JsonObject welcome = bob.next("welcome");
        assertEquals(List.of("alice", "bob"), strings(welcome, "members"));
        assertEquals(2, welcome.getInt("count"));
        assertEquals(s.getString("epoch"), welcome.getString("epoch"), "one room, one epoch");
        JsonObject join = alice.next("presence");
        assertEquals(ch, join.getString("channel"));
        assertEquals("join", join.getString("event"));
        assertEquals("bob", join.getString("user"));
        assertEquals(2, join.getInt("count"));
        assertEquals(List.of("alice", "bob"), strings(join, "members"));

        publish(alice, ch, "hi bob", "c-1");
        JsonObject echo = alice.next("message");
        assertEquals(ch, echo.getString("channel"));
        assertEquals(1, id(echo));
        assertEquals("alice", echo.getString("from"));
        assertEquals("c-1", echo.getString("clientId"));
        JsonObject got = bob.next("message");
        assertEquals(room, got.getString("room"));
        assertEquals(1, id(got));
        assertEquals("hi bob", got.getString("text"));

        bob.sendJson("send", "text", "hi alice");
        JsonObject back = alice.next("message");
        assertEquals(2, id(back));
        assertEquals("bob", back.getString("from"));
        assertEquals(ch, back.getString("channel"));

        bob.close();
        JsonObject leave = alice.next("presence");
        assertEquals("leave", leave.getString("event"));
        assertEquals(1, leave.getInt("count"));
        alice.close();
    }

    @Test
    void namesThatBreakTheirNamespaceAreInvalidAndLeaveNoSubscription() throws Exception {
        Client alice = ws("alice");
        for (String bad : new String[] {"lobby", "nope:lobby", "chat:Lobby", "chat:", "dm:bob,alice",
                "dm:alice,alice", "dm:alice", "user:", "market:acme", "staff:No Spaces"}) {
            assertError(sub(alice, bad), "invalid_channel", bad);
        }
        assertNothingElseThenPong(alice);
        alice.close();
    }

    @Test
    void directMessagesAreForTheirTwoUsersOnly() throws Exception {
        String dm = "dm:alice,bob";
        Client alice = ws("alice");
        Client bob = ws("bob");
        Client carol = ws("carol");
        JsonObject a = sub(alice, dm);
        assertEquals("subscribed", a.getString("type"), a.toString());
        assertEquals("subscribed", sub(bob, dm).getString("type"));
        assertError(sub(carol, dm), "forbidden", dm);
        assertNothingElseThenPong(carol); // a refused subscribe sends no history

        publish(carol, dm, "let me in", "x-1");
        JsonObject refused = carol.next("error");
        assertError(refused, "forbidden", dm);
        assertEquals("x-1", refused.getString("clientId"));

        String text = "secret " + UUID.randomUUID();
        publish(alice, dm, text, "d-1");
        JsonObject echo = alice.next("message");
        JsonObject got = bob.next("message");
        assertEquals(text, got.getString("text"));
        assertEquals(id(echo), id(got));
        assertNothingElseThenPong(carol);
        alice.close();
        bob.close();
        carol.close();
    }

    @Test
    void aPersonalChannelIsReadByItsUserAndWrittenByTheServerApiOnly() throws Exception {
        Client alice = ws("alice");
        Client bob = ws("bob");
        assertError(sub(bob, "user:alice"), "forbidden", "user:alice");
        JsonObject s = sub(alice, "user:alice");
        assertEquals("subscribed", s.getString("type"), s.toString());
        publish(alice, "user:alice", "note to self", null);
        assertError(alice.next("error"), "forbidden", "user:alice");

        String clientId = "n-" + UUID.randomUUID();
        HttpResponse<String> r = post("feed", "/api/channels/user:alice/messages", body("order filled", clientId));
        assertEquals(201, r.statusCode(), r.body());
        JsonObject stored = Wss.parse(r.body());
        assertEquals("user:alice", stored.getString("channel"));
        assertEquals(s.getString("epoch"), stored.getString("epoch"));
        JsonObject m = alice.next("message");
        assertEquals("user:alice", m.getString("channel"));
        assertEquals("feed", m.getString("from"), "from is the API principal");
        assertEquals("order filled", m.getString("text"));
        assertEquals(id(m), stored.getJsonNumber("id").longValue());

        HttpResponse<String> again = post("feed", "/api/channels/user:alice/messages", body("order filled", clientId));
        assertEquals(200, again.statusCode(), "a retry with the same clientId is answered with the original");
        assertEquals(id(m), Wss.parse(again.body()).getJsonNumber("id").longValue());
        assertNothingElseThenPong(alice); // and stored once: no second delivery
        alice.close();
        bob.close();
    }

    @Test
    void aNotificationSentWhileAwayArrivesOnResume() throws Exception {
        Client carol = ws("carol");
        JsonObject s = sub(carol, "user:carol");
        long last = s.getJsonNumber("lastId").longValue();
        String epoch = s.getString("epoch");
        carol.close();

        String text = "invite " + UUID.randomUUID();
        assertEquals(201, post("feed", "/api/channels/user:carol/messages", body(text, null)).statusCode());

        Client back = ws("carol");
        back.send(Json.createObjectBuilder().add("type", "subscribe").add("channel", "user:carol")
                .add("since", last).add("epoch", epoch).build().toString());
        JsonObject resumed = back.next("subscribed");
        assertTrue(resumed.getBoolean("recovered"));
        List<JsonObject> history = resumed.getJsonArray("history").getValuesAs(JsonObject.class);
        assertEquals(1, history.size(), resumed.toString());
        assertEquals(text, history.get(0).getString("text"));
        assertEquals(last + 1, id(history.get(0)));
        back.close();
    }

    @Test
    void roleGatedChannelsAreForTheirRoleOnly() throws Exception {
        String ch = "staff:" + newRoom();
        Client alice = ws("alice");
        Client carol = ws("carol");
        assertError(sub(alice, ch), "forbidden", ch);
        JsonObject s = sub(carol, ch);
        assertEquals("subscribed", s.getString("type"), s.toString());
        publish(carol, ch, "team only", "t-1");
        assertEquals("team only", carol.next("message").getString("text"));
        publish(alice, ch, "me too", "t-2");
        assertError(alice.next("error"), "forbidden", ch);
        alice.close();
        carol.close();
    }

    @Test
    void marketChannelsCarryQuotesAndCannotBePublishedTo() throws Exception {
        Client bob = ws("bob");
        JsonObject s = sub(bob, "market:ACME");
        assertEquals("subscribed", s.getString("type"), s.toString());
        JsonObject snapshot = s.getJsonObject("quote");
        assertEquals("ACME", snapshot.getString("symbol"));
        assertFalse(snapshot.getString("price").isEmpty());
        long seq = snapshot.getJsonNumber("seq").longValue();
        JsonObject q = bob.next("quote"); // the simulated feed ticks
        assertEquals("market:ACME", q.getString("channel"));
        assertEquals("ACME", q.getString("symbol"));
        assertTrue(q.getJsonNumber("seq").longValue() > seq);

        assertError(sub(bob, "market:NOSUCH"), "unknown_symbol", "market:NOSUCH");
        publish(bob, "market:ACME", "buy", null);
        assertError(bob.next("error"), "forbidden", "market:ACME");

        bob.send("{\"type\":\"unsubscribe\",\"channel\":\"market:ACME\"}");
        bob.next(f -> "unsubscribed".equals(f.getString("type")));
        // after the unsubscribed answer, no quote of the channel follows
        assertNothingElseThenPong(bob);
        bob.close();
    }

    @Test
    void publishingNeedsASubscriptionAndUnsubscribingAlwaysAnswers() throws Exception {
        String ch = "chat:" + newRoom();
        Client alice = ws("alice");
        publish(alice, ch, "hello?", "p-1");
        JsonObject e = alice.next("error");
        assertError(e, "not_subscribed", ch);
        assertEquals("p-1", e.getString("clientId"));

        alice.send("{\"type\":\"unsubscribe\",\"channel\":\"" + ch + "\"}");
        JsonObject u = alice.next();
        assertEquals("unsubscribed", u.getString("type"));
        assertEquals(ch, u.getString("channel"));

        assertEquals("subscribed", sub(alice, ch).getString("type"));
        alice.send("{\"type\":\"unsubscribe\",\"channel\":\"" + ch + "\"}");
        assertEquals("unsubscribed", alice.next("unsubscribed").getString("type"));
        publish(alice, ch, "still here?", "p-2");
        assertError(alice.next("error"), "not_subscribed", ch);

        alice.send("{\"type\":\"publish\",\"channel\":\"chat:x\"");
        assertEquals("bad_json", alice.next("error").getString("code"));
        alice.sendJson("dance");
        assertEquals("unknown_type", alice.next("error").getString("code"));
        alice.close();
    }

    @Test
    void subscribingAgainAnswersSubscribedAgainAndDeliversOnce() throws Exception {
        String ch = "chat:" + newRoom();
        Client alice = ws("alice");
        JsonObject first = sub(alice, ch);
        publish(alice, ch, "one", "s-1");
        assertEquals(1, id(alice.next("message")));
        alice.send(Json.createObjectBuilder().add("type", "subscribe").add("channel", ch).add("since", 0)
                .add("epoch", first.getString("epoch")).build().toString());
        JsonObject again = alice.next("subscribed");
        assertTrue(again.getBoolean("recovered"));
        assertEquals(1, again.getJsonArray("history").size());
        publish(alice, ch, "two", "s-2");
        assertEquals(2, id(alice.next("message")));
        assertNothingElseThenPong(alice); // one subscription: the message came once, no presence flapped
        alice.close();
    }

    @Test
    void severalChannelsResumeOnOneSocket() throws Exception {
        String a = "chat:" + newRoom();
        String b = "chat:" + newRoom();
        Client alice = ws("alice");
        JsonObject sa = sub(alice, a);
        JsonObject sb = sub(alice, b);
        alice.close();

        Client bob = ws("bob");
        sub(bob, a);
        sub(bob, b);
        for (int i = 1; i <= 3; i++) {
            publish(bob, a, "a" + i, null);
            publish(bob, b, "b" + i, null);
        }
        for (int i = 0; i < 6; i++) {
            bob.next("message");
        }

        Client back = ws("alice");
        for (JsonObject s : new JsonObject[] {sa, sb}) {
            back.send(Json.createObjectBuilder().add("type", "subscribe").add("channel", s.getString("channel"))
                    .add("since", 0).add("epoch", s.getString("epoch")).build().toString());
        }
        java.util.Map<String, JsonObject> answers = new java.util.HashMap<>();
        while (answers.size() < 2) { // the two answers, in whichever order they come
            JsonObject r = back.next("subscribed");
            answers.put(r.getString("channel"), r);
        }
        for (String ch : new String[] {a, b}) {
            JsonObject r = answers.get(ch);
            assertTrue(r.getBoolean("recovered"), r.toString());
            List<JsonObject> h = r.getJsonArray("history").getValuesAs(JsonObject.class);
            assertEquals(List.of(1L, 2L, 3L), h.stream().map(ChannelIT::id).toList());
            assertTrue(h.stream().allMatch(m -> ch.equals(m.getString("channel"))));
        }
        back.close();
        bob.close();
    }

    @Test
    void overTheChannelLimitIsRefusedAndTheOthersStay() throws Exception {
        Client alice = ws("alice");
        String base = newRoom();
        for (int i = 0; i < 100; i++) {
            subscribe(alice, "chat:" + base + "-" + i);
        }
        for (int i = 0; i < 100; i++) {
            alice.next("subscribed");
        }
        String extra = "chat:" + base + "-x";
        assertError(sub(alice, extra), "too_many_channels", extra);
        publish(alice, "chat:" + base + "-7", "still subscribed", null);
        assertEquals("chat:" + base + "-7", alice.next("message").getString("channel"));
        alice.send("{\"type\":\"unsubscribe\",\"channel\":\"chat:" + base + "-0\"}");
        alice.next("unsubscribed");
        assertEquals("subscribed", sub(alice, extra).getString("type"), "room again after an unsubscribe");
        alice.close();
    }

    @Test
    void pingIsAnsweredWithPong() throws Exception {
        Client bob = ws("bob");
        assertNothingElseThenPong(bob);
        bob.close();
    }

    @Test
    void aSlowReaderWithManyChannelsIsClosedAloneWith1013() throws Exception {
        String room = newRoom();
        String ch = "chat:" + room;
        Client stalled = ws("alice");
        sub(stalled, ch);
        sub(stalled, "chat:" + newRoom());
        sub(stalled, "market:GLOBX");
        stalled.pauseButStayAlive();
        Client bob = ws("bob");
        sub(bob, ch);
        Client carol = Wss.join(room, "carol");
        int total = 10_000; // ~1 KB each: 10 MB, beyond the 4 MiB outbound bound and the socket buffers
        String text = "x".repeat(1000);
        CompletableFuture<Void> sends = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < total; i++) {
                publish(bob, ch, i + " " + text, null);
                if (i % 500 == 499) {
                    try {
                        Thread.sleep(600); // stay under the (raised) rate limit of the ITs
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        });
        try {
            long last = 0;
            while (last < total) {
                JsonObject m = carol.next("message");
                assertEquals(last + 1, id(m), "carol: every message once, in order");
                last++;
            }
            sends.get(60, TimeUnit.SECONDS);
            stalled.resume();
            try {
                assertEquals(1013, stalled.closed.get(30, TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                // the server gave up on the close handshake and dropped the TCP connection: also closed
            }
        } finally {
            stalled.abort();
            bob.close();
            carol.close();
        }
    }

    // ---------------------------------------------------------------- server API

    static HttpResponse<String> post(String user, String path, String json) throws Exception {
        return Wss.http().send(HttpRequest.newBuilder(Wss.https(path))
                .header("Authorization", Wss.basic(user, Wss.PASSWORD)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String user, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(Wss.https(path)).GET();
        if (user != null) {
            b.header("Authorization", Wss.basic(user, Wss.PASSWORD));
        }
        return Wss.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String body(String text, String clientId) {
        var b = Json.createObjectBuilder().add("text", text);
        if (clientId != null) {
            b.add("clientId", clientId);
        }
        return b.build().toString();
    }

    @Test
    void theServerApiNeedsThePublisherRole() throws Exception {
        String path = "/api/channels/chat:" + newRoom() + "/messages";
        HttpResponse<String> anonymous = Wss.http().send(HttpRequest.newBuilder(Wss.https(path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body("x", null)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
        assertEquals(403, post("alice", path, body("x", null)).statusCode());
        assertEquals(403, get("alice", "/api/channels/chat:lobby/history").statusCode());

        HttpResponse<String> market = post("feed", "/api/channels/market:ACME/messages", body("x", null));
        assertEquals(400, market.statusCode());
        assertEquals("invalid_channel", Wss.parse(market.body()).getString("error"));
        assertEquals("invalid_channel", Wss.parse(post("feed", "/api/channels/nope/messages", body("x", null)).body())
                .getString("error"));
        HttpResponse<String> empty = post("feed", path, body("   ", null));
        assertEquals(400, empty.statusCode());
        assertEquals("invalid_text", Wss.parse(empty.body()).getString("error"));
        assertEquals("bad_json", Wss.parse(post("feed", path, "{nope").body()).getString("error"));
    }

    @Test
    void historyPagesAndPresenceCounts() throws Exception {
        String room = newRoom();
        String ch = "chat:" + room;
        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> r = post("feed", "/api/channels/" + ch + "/messages", body("m" + i, "h-" + i));
            assertEquals(201, r.statusCode(), r.body());
            assertEquals(i, Wss.parse(r.body()).getJsonNumber("id").longValue());
        }
        JsonObject page1 = Wss.parse(get("feed", "/api/channels/" + ch + "/history?limit=2").body());
        assertEquals(ch, page1.getString("channel"));
        assertEquals(5, page1.getJsonNumber("lastId").longValue());
        assertFalse(page1.getString("epoch").isEmpty());
        List<JsonObject> m1 = page1.getJsonArray("messages").getValuesAs(JsonObject.class);
        assertEquals(List.of(1L, 2L), m1.stream().map(ChannelIT::id).toList());
        assertEquals("m1", m1.get(0).getString("text"));
        assertEquals("feed", m1.get(0).getString("from"));
        JsonObject page2 = Wss.parse(get("feed", "/api/channels/" + ch + "/history?since=2&limit=2").body());
        assertEquals(List.of(3L, 4L), page2.getJsonArray("messages").getValuesAs(JsonObject.class).stream()
                .map(ChannelIT::id).toList());
        JsonObject all = Wss.parse(get("feed", "/api/channels/" + ch + "/history").body());
        assertEquals(5, all.getJsonArray("messages").size());
        assertEquals(400, get("feed", "/api/channels/" + ch + "/history?limit=1001").statusCode());
        assertEquals(400, get("feed", "/api/channels/" + ch + "/history?since=-1").statusCode());

        JsonObject none = Wss.parse(get("feed", "/api/channels/" + ch + "/presence").body());
        assertEquals(0, none.getInt("count"));
        Client alice = ws("alice");
        sub(alice, ch);
        Client bob = Wss.join(room, "bob");
        JsonObject p = Wss.parse(get("feed", "/api/channels/" + ch + "/presence").body());
        assertEquals(ch, p.getString("channel"));
        assertEquals(2, p.getInt("count"));
        assertEquals(List.of("alice", "bob"), strings(p, "members"));
        alice.close();
        bob.close();
    }

    @Test
    void anOperatorDisconnectsEverySocketOfAUser() throws Exception {
        Client onWs = ws("carol");
        Client onChat = Wss.join(newRoom(), "carol");
        Client other = ws("bob");
        assertEquals(403, post("feed", "/api/users/carol/disconnect", "").statusCode());
        HttpResponse<String> r = post("operator", "/api/users/carol/disconnect", "");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(2, Wss.parse(r.body()).getInt("closed"));
        for (Client c : new Client[] {onWs, onChat}) {
            assertEquals(1008, c.awaitClose());
            assertEquals("disconnected", c.closeReason());
        }
        assertNothingElseThenPong(other);
        assertNull(other.closed.getNow(null), "bob's socket stays open");
        other.close();
    }

    @Test
    void aBinaryFrameIsAnsweredBadJsonOnEveryEndpointAndTheSocketStaysUp() throws Exception {
        Client onWs = ws("alice");
        Client onChat = Wss.join(newRoom(), "alice");
        Client onMarket = Wss.connect("/ws/market", "alice");
        Client onGame = Wss.connect("/ws/game", "alice");
        onGame.next("welcome");
        for (Client c : new Client[] {onWs, onChat, onMarket, onGame}) {
            c.socket().sendBinary(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), true).join();
            JsonObject f = c.next("error");
            assertEquals("bad_json", f.getString("code"), f.toString());
            assertNull(c.closed.getNow(null), "the socket stays open");
        }
        assertNothingElseThenPong(onWs);
        String room = newRoom();
        subscribe(onWs, "chat:" + room);
        assertEquals("subscribed", onWs.next("subscribed").getString("type"));
        for (Client c : new Client[] {onWs, onChat, onMarket, onGame}) {
            c.close();
        }
    }

    @Test
    void theOpenApiDescriptionIsReadableWithoutCredentials() throws Exception {
        HttpResponse<String> r = get(null, "/openapi");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("/api/channels/{channel}/messages"), r.body());
        assertTrue(r.body().contains("/api/users/{user}/disconnect"), r.body());
    }
}
