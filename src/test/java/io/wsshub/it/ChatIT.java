package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.util.List;
import java.util.UUID;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** /ws/chat/{room} over real wss:// against the running Liberty, with the JDK WebSocket client. */
@ExtendWith(ArquillianExtension.class)
class ChatIT {

    private static String newRoom() {
        return "it-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static List<String> strings(JsonObject o, String key) {
        return o.getJsonArray(key).getValuesAs(JsonString.class).stream().map(JsonString::getString).toList();
    }

    private static long id(JsonObject message) {
        return message.getJsonNumber("id").longValue();
    }

    @Test
    void twoUsersChatInARoom() throws Exception {
        String room = newRoom();
        Client alice = Wss.connect("/ws/chat/" + room, "alice");
        JsonObject welcome = alice.next();
        assertEquals("welcome", welcome.getString("type"));
        assertEquals(room, welcome.getString("room"));
        assertEquals("alice", welcome.getString("user"));
        assertEquals(List.of("alice"), strings(welcome, "members"));
        assertEquals(0, welcome.getJsonNumber("lastId").longValue());
        assertTrue(welcome.getJsonArray("history").isEmpty());
        assertFalse(welcome.getString("epoch").isEmpty());

        Client bob = Wss.connect("/ws/chat/" + room, "bob");
        JsonObject bobWelcome = bob.next();
        assertEquals("bob", bobWelcome.getString("user"));
        assertEquals(List.of("alice", "bob"), strings(bobWelcome, "members"));
        JsonObject join = alice.next();
        assertEquals("presence", join.getString("type"));
        assertEquals("join", join.getString("event"));
        assertEquals("bob", join.getString("user"));
        assertEquals(List.of("alice", "bob"), strings(join, "members"));

        alice.sendJson("send", "text", "hi bob", "clientId", "c-1");
        JsonObject echo = alice.next("message");
        JsonObject got = bob.next("message");
        assertEquals(echo, got, "the sender's echo is the same message the others get");
        assertEquals(1, id(got));
        assertEquals("alice", got.getString("from"));
        assertEquals("hi bob", got.getString("text"));
        assertEquals("c-1", got.getString("clientId"));
        assertEquals(room, got.getString("room"));
        assertTrue(got.getString("ts").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), got.getString("ts"));

        bob.sendJson("send", "text", "hi alice");
        assertEquals(2, id(alice.next("message")));
        assertEquals(2, id(bob.next("message")));

        bob.close();
        JsonObject leave = alice.next("presence");
        assertEquals("leave", leave.getString("event"));
        assertEquals("bob", leave.getString("user"));
        assertEquals(List.of("alice"), strings(leave, "members"));
        alice.close();
    }

    @Test
    void theAuthorIsThePrincipalNotTheFrame() throws Exception {
        String room = newRoom();
        Client alice = Wss.join(room, "alice");
        alice.send("{\"type\":\"send\",\"text\":\"I am carol\",\"from\":\"carol\",\"user\":\"carol\"}");
        assertEquals("alice", alice.next("message").getString("from"));
        alice.close();
    }

    @Test
    void resumeReturnsExactlyTheMissedMessages() throws Exception {
        String room = newRoom();
        Client alice = Wss.connect("/ws/chat/" + room, "alice");
        String epoch = alice.next("welcome").getString("epoch");
        for (int i = 1; i <= 5; i++) {
            alice.sendJson("send", "text", "m" + i);
        }
        assertEquals(5, id(alice.next(f -> "message".equals(f.getString("type")) && id(f) == 5)));

        Client back = Wss.connect("/ws/chat/" + room + "?since=2&epoch=" + epoch, "alice");
        JsonObject w = back.next("welcome");
        assertTrue(w.getBoolean("recovered"));
        assertEquals(5, w.getJsonNumber("lastId").longValue());
        assertEquals(List.of(3L, 4L, 5L), w.getJsonArray("history").getValuesAs(JsonObject.class).stream()
                .map(ChatIT::id).toList());
        assertEquals(List.of("m3", "m4", "m5"), w.getJsonArray("history").getValuesAs(JsonObject.class).stream()
                .map(m -> m.getString("text")).toList());

        Client wrongEpoch = Wss.connect("/ws/chat/" + room + "?since=2&epoch=nope", "alice");
        JsonObject w2 = wrongEpoch.next("welcome");
        assertFalse(w2.getBoolean("recovered"));
        assertEquals(5, w2.getJsonArray("history").size(), "the newest messages, to reload from");

        for (Client c : List.of(alice, back, wrongEpoch)) {
            c.close();
        }
    }

    @Test
    void resumeFromAnEvictedRangeOrBeyondTheResumeBudgetIsNotRecovered() throws Exception {
        String room = newRoom();
        int retained = 1000; // chat.history.size default
        Client alice = Wss.connect("/ws/chat/" + room, "alice");
        String epoch = alice.next("welcome").getString("epoch");
        int total = retained + 5;
        for (int i = 1; i <= total; i++) {
            alice.sendJson("send", "text", "m" + i);
        }
        alice.next(f -> "message".equals(f.getString("type")) && id(f) == total);

        Client evicted = Wss.connect("/ws/chat/" + room + "?since=3&epoch=" + epoch, "alice");
        JsonObject w = evicted.next("welcome");
        assertFalse(w.getBoolean("recovered"), "messages 4 and 5 were evicted");
        List<JsonObject> history = w.getJsonArray("history").getValuesAs(JsonObject.class);
        assertEquals(50, history.size());
        assertEquals(total, id(history.get(49)));

        int budget = 300; // chat.resume.max default: a handshake reads at most that many
        Client edge = Wss.connect("/ws/chat/" + room + "?since=" + (total - budget) + "&epoch=" + epoch, "alice");
        JsonObject w2 = edge.next("welcome");
        assertTrue(w2.getBoolean("recovered"), "the newest " + budget + " are within the budget");
        assertEquals(budget, w2.getJsonArray("history").size());
        Client over = Wss.connect("/ws/chat/" + room + "?since=" + (total - budget - 1) + "&epoch=" + epoch, "alice");
        JsonObject w3 = over.next("welcome");
        assertFalse(w3.getBoolean("recovered"), "retained, but one more than the budget: redraw");
        assertEquals(50, w3.getJsonArray("history").size());
        over.close();
        for (Client c : List.of(alice, evicted, edge)) {
            c.close();
        }
    }

    @Test
    void aRepeatedClientIdIsNotStoredTwice() throws Exception {
        String room = newRoom();
        Client alice = Wss.connect("/ws/chat/" + room, "alice");
        Client bob = Wss.connect("/ws/chat/" + room, "bob");
        alice.next("welcome");
        bob.next("welcome");
        alice.sendJson("send", "text", "once", "clientId", "retry-1");
        JsonObject original = bob.next("message");

        // a reconnect that retries the send it never saw acknowledged
        alice.abort();
        Client again = Wss.join(room, "alice");
        again.sendJson("send", "text", "once", "clientId", "retry-1");
        JsonObject ack = again.next("message");
        assertEquals(original, ack, "the original message is the acknowledgement");

        again.sendJson("send", "text", "next", "clientId", "retry-2");
        JsonObject next = bob.next("message");
        assertEquals("next", next.getString("text"), "bob never saw the retry");
        assertEquals(id(original) + 1, id(next));
        again.close();
        bob.close();
    }

    @Test
    void badInputGetsAnErrorAndTheConnectionKeepsWorking() throws Exception {
        String room = newRoom();
        Client alice = Wss.join(room, "alice");
        Client bob = Wss.join(room, "bob", alice);
        String[][] cases = {
                {"{not json", "bad_json"},
                {"[\"send\",\"hi\"]", "bad_json"},
                {"{\"type\":\"shout\",\"text\":\"hi\"}", "unknown_type"},
                {"{\"text\":\"no type\"}", "unknown_type"},
                {"{\"type\":\"send\",\"text\":\"   \"}", "invalid_text"},
                {"{\"type\":\"send\"}", "invalid_text"},
                {"{\"type\":\"send\",\"text\":\"" + "x".repeat(2001) + "\"}", "invalid_text"},
                {"{\"type\":\"send\",\"text\":\"bell\\u0007\"}", "invalid_text"},
                {"{\"type\":\"send\",\"text\":\"hi\",\"clientId\":\"" + "c".repeat(65) + "\"}", "invalid_client_id"},
        };
        int n = 0;
        for (String[] c : cases) {
            alice.send(c[0]);
            JsonObject error = alice.next();
            assertEquals("error", error.getString("type"), c[0]);
            assertEquals(c[1], error.getString("code"), c[0]);
            assertFalse(error.getString("message").isBlank());
            alice.sendJson("send", "text", "still here " + (++n));
            assertEquals("still here " + n, alice.next("message").getString("text"));
        }
        for (int i = 1; i <= n; i++) {
            JsonObject m = bob.next();
            assertEquals("message", m.getString("type"), "bob sees only the valid messages");
            assertEquals(i, id(m), "no id was used by the bad input");
        }
        alice.close();
        bob.close();
    }

    @Test
    void anOversizedFrameClosesWith1009AndOthersAreUnaffected() throws Exception {
        String room = newRoom();
        Client alice = Wss.join(room, "alice");
        Client bob = Wss.join(room, "bob", alice);
        // a frame of exactly 16 KiB is allowed (and rejected by the text rule, not the transport)
        String atLimit = "{\"type\":\"send\",\"text\":\"" + "y".repeat(16384 - 25) + "\"}";
        assertEquals(16384, atLimit.length());
        alice.send(atLimit);
        assertEquals("invalid_text", alice.next().getString("code"));

        alice.send("{\"type\":\"send\",\"text\":\"" + "x".repeat(16400) + "\"}");
        assertEquals(1009, alice.awaitClose());
        assertEquals("leave", bob.next("presence").getString("event"));
        bob.sendJson("send", "text", "bob is fine");
        assertEquals("bob is fine", bob.next("message").getString("text"));
        bob.close();
    }

    @Test
    void anInvalidRoomNameIsClosedWith1008() throws Exception {
        for (String bad : new String[] {"Lobby", "-x", "a_b", "x".repeat(33), "caf%C3%A9"}) {
            Client c = Wss.connect("/ws/chat/" + bad, "alice");
            assertEquals(1008, c.awaitClose(), bad);
            assertTrue(c.closeReason().contains("room"), c.closeReason());
        }
    }

    @Test
    void anInvalidSinceIsClosedWith1008() throws Exception {
        Client c = Wss.connect("/ws/chat/" + newRoom() + "?since=abc&epoch=x", "alice");
        assertEquals(1008, c.awaitClose());
    }
}
