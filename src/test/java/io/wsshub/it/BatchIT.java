package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The opt-in batching of docs/protocol.md: a client that offers the wsshub.batch subprotocol gets every frame as
 * a JSON array of messages, in order and without gaps; a plain client in the same room is unaffected. The IT
 * server lingers 20 ms (transport.batch.linger.ms), so a burst shares frames.
 */
class BatchIT {

    private static final String BATCH = "wsshub.batch";

    @Test
    void aBatchingClientGetsArraysInOrderAndAPlainClientGetsObjects() throws Exception {
        String room = "batch-" + UUID.randomUUID().toString().substring(0, 8);
        Client batching = Wss.connectOffering("/ws/chat/" + room, "alice", BATCH);
        assertEquals(BATCH, batching.socket().getSubprotocol());
        JsonArray first = array(batching.nextRaw());
        assertEquals("welcome", first.getJsonObject(0).getString("type"));

        Client plain = Wss.join(room, "bob");
        assertEquals("", plain.socket().getSubprotocol());
        int n = 50;
        for (int i = 1; i <= n; i++) {
            plain.sendJson("send", "text", "m" + i);
        }

        List<Long> ids = new ArrayList<>();
        int frames = 0;
        while (ids.size() < n) {
            JsonArray batch = array(batching.nextRaw());
            frames++;
            assertTrue(batch.size() >= 1);
            for (JsonValue v : batch) {
                JsonObject m = v.asJsonObject();
                if ("message".equals(m.getString("type"))) {
                    assertEquals("m" + (ids.size() + 1), m.getString("text"));
                    ids.add(m.getJsonNumber("id").longValue());
                }
            }
        }
        for (int i = 0; i < n; i++) {
            assertEquals(i + 1, ids.get(i)); // in order, no gaps, nothing twice
        }
        assertTrue(frames < n, "a burst of " + n + " messages should share frames, took " + frames);

        // the plain client sees one JSON object per frame, as ever
        long seen = 0;
        while (seen < n) {
            String raw = plain.nextRaw();
            assertTrue(raw.startsWith("{"), raw);
            JsonObject m = Wss.parse(raw);
            if ("message".equals(m.getString("type"))) {
                assertEquals(++seen, m.getJsonNumber("id").longValue());
            }
        }
        batching.close();
        plain.close();
    }

    @Test
    void anUnknownSubprotocolIsNotNegotiatedAndFramesStayPlain() throws Exception {
        Client c = Wss.connectOffering("/ws/chat/lobby", "carol", "wsshub.nonsense");
        assertEquals("", c.socket().getSubprotocol());
        assertTrue(c.nextRaw().startsWith("{\"type\":\"welcome\""));
        c.close();
    }

    @Test
    void theMarketBatchesToo() throws Exception {
        Client c = Wss.connectOffering("/ws/market", "alice", BATCH);
        assertEquals(BATCH, c.socket().getSubprotocol());
        c.send("{\"type\":\"subscribe\",\"symbols\":[\"ACME\"]}");
        boolean snapshot = false;
        while (!snapshot) {
            for (JsonValue v : array(c.nextRaw())) {
                snapshot |= "snapshot".equals(v.asJsonObject().getString("type"));
            }
        }
        c.close();
    }

    private static JsonArray array(String frame) {
        assertTrue(frame.startsWith("["), "a batching client gets arrays: " + frame);
        try (var r = Json.createReader(new StringReader(frame))) {
            return r.readArray();
        }
    }
}
