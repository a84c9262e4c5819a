package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** /ws/market and POST /api/quotes over real wss:// and HTTPS. Test symbols are fresh per test. */
@ExtendWith(ArquillianExtension.class)
class MarketIT {

    private static String symbol() {
        return "T" + UUID.randomUUID().toString().replace("-", "").substring(0, 8).toUpperCase(Locale.ROOT);
    }

    private static HttpResponse<String> post(String user, String json) throws Exception {
        return Wss.http().send(HttpRequest.newBuilder(Wss.https("/api/quotes"))
                .header("Authorization", Wss.basic(user, Wss.PASSWORD))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void publish(String symbol, String... prices) throws Exception {
        JsonArrayBuilder a = Json.createArrayBuilder();
        for (String p : prices) {
            a.add(Json.createObjectBuilder().add("symbol", symbol).add("price", p));
        }
        HttpResponse<String> r = post("feed", a.build().toString());
        assertEquals(200, r.statusCode(), r.body());
    }

    private static Client subscriber(String... symbols) throws Exception {
        Client c = Wss.connect("/ws/market", "alice");
        c.send(Json.createObjectBuilder().add("type", "subscribe")
                .add("symbols", Json.createArrayBuilder(List.of(symbols))).build().toString());
        return c;
    }

    @Test
    void subscribeGivesASnapshotThenEveryQuote() throws Exception {
        String s = symbol();
        publish(s, "100.00", "100.25");
        Client c = subscriber(s);
        JsonObject snap = c.next("snapshot");
        JsonObject q0 = snap.getJsonArray("quotes").getJsonObject(0);
        assertEquals(s, q0.getString("symbol"));
        assertEquals("100.25", q0.getString("price"));
        assertEquals("0.25", q0.getString("change"));
        assertEquals(2, q0.getInt("seq"));
        publish(s, "101.000001");
        JsonObject q = c.next("quote");
        assertEquals("101.000001", q.getString("price"));
        assertEquals("1.000001", q.getString("change"));
        assertEquals(3, q.getInt("seq"));
        c.close();
    }

    @Test
    void theSimulatedFeedTicks() throws Exception {
        Client c = subscriber("ACME");
        assertEquals("ACME", c.next("snapshot").getJsonArray("quotes").getJsonObject(0).getString("symbol"));
        JsonObject q = c.next("quote");
        assertTrue(q.getString("price").matches("\\d+\\.\\d{2}"), q.toString());
        c.close();
    }

    @Test
    void unsubscribeStopsDelivery() throws Exception {
        String s = symbol();
        String marker = symbol();
        publish(s, "1.00");
        publish(marker, "1.00");
        Client c = subscriber(s, marker);
        c.next("snapshot");
        c.send("{\"type\":\"unsubscribe\",\"symbols\":[\"" + s + "\"]}");
        c.send("{\"type\":\"subscribe\",\"symbols\":[]}"); // a round trip: the unsubscribe is done when it answers
        c.next("snapshot");
        publish(s, "2.00");
        publish(marker, "2.00");
        assertEquals(marker, c.next("quote").getString("symbol"), "nothing of the unsubscribed symbol");
        c.close();
    }

    @Test
    void unknownSymbolsGetAnErrorAndTheOthersStillSubscribe() throws Exception {
        String s = symbol();
        publish(s, "5.00");
        Client c = subscriber("NOSUCH1", s, "lower");
        assertEquals(s, c.next("snapshot").getJsonArray("quotes").getJsonObject(0).getString("symbol"));
        JsonObject invalid = c.next("error");
        assertEquals("invalid_symbol", invalid.getString("code"));
        JsonObject unknown = c.next("error");
        assertEquals("unknown_symbol", unknown.getString("code"));
        assertEquals(List.of("NOSUCH1"), unknown.getJsonArray("symbols").getValuesAs(jakarta.json.JsonString.class)
                .stream().map(jakarta.json.JsonString::getString).toList());
        c.send("{\"type\":\"buy\"}");
        assertEquals("unknown_type", c.next("error").getString("code"));
        c.send("{not json");
        assertEquals("bad_json", c.next("error").getString("code"));
        c.close();
    }

    @Test
    void aPublishReachesTwoSubscribersInOrder() throws Exception {
        String s = symbol();
        publish(s, "10.00");
        Client a = subscriber(s);
        Client b = subscriber(s);
        a.next("snapshot");
        b.next("snapshot");
        publish(s, "10.01", "10.02", "10.03");
        for (Client c : List.of(a, b)) {
            for (int seq = 2; seq <= 4; seq++) {
                JsonObject q = c.next("quote");
                assertEquals(seq, q.getInt("seq"));
                assertEquals(String.format(Locale.ROOT, "10.%02d", seq - 1), q.getString("price"));
            }
            c.close();
        }
    }

    @Test
    void onlyPublishersMayPost() throws Exception {
        assertEquals(403, post("alice", "[{\"symbol\":\"ACME\",\"price\":\"1.00\"}]").statusCode());
        HttpResponse<String> anonymous = Wss.http().send(HttpRequest.newBuilder(Wss.https("/api/quotes"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("[]")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
    }

    @Test
    void anInvalidPostIsRejectedWholeAndPublishesNothing() throws Exception {
        String s = symbol();
        publish(s, "3.00");
        Client c = subscriber(s);
        c.next("snapshot");
        HttpResponse<String> r = post("feed", "[{\"symbol\":\"" + s + "\",\"price\":\"3.50\"},"
                + "{\"symbol\":\"bad\",\"price\":\"1\"},{\"symbol\":\"" + s + "\",\"price\":\"-1\"},"
                + "{\"symbol\":\"" + s + "\",\"price\":\"1.1234567\"}]");
        assertEquals(400, r.statusCode());
        JsonObject body = Wss.parse(r.body());
        assertEquals("invalid_quotes", body.getString("error"));
        assertEquals(List.of(1, 2, 3), body.getJsonArray("items").getValuesAs(JsonObject.class).stream()
                .map(i -> i.getInt("index")).toList());
        assertEquals(400, post("feed", "{not json").statusCode());
        publish(s, "4.00");
        JsonObject q = c.next("quote");
        assertEquals("4.00", q.getString("price"), "the rejected 3.50 was never published");
        assertEquals(2, q.getInt("seq"));
        c.close();
    }

    @Test
    void aSlowReaderGetsTheNewestQuotesWhileAFastOneGetsEveryOne() throws Exception {
        String s = symbol();
        publish(s, "1.00");
        Client fast = subscriber(s);
        Client slow = subscriber(s);
        fast.next("snapshot");
        slow.next("snapshot");
        slow.pauseButStayAlive(); // a live client that reads nothing
        // ~6 MB of quotes: more than the socket buffers hold, so the server's queue for the slow reader fills
        int batches = 60;
        int perBatch = 1000;
        long lastSeq = 1;
        for (int b = 0; b < batches; b++) {
            String[] prices = new String[perBatch];
            for (int i = 0; i < perBatch; i++) {
                prices[i] = (b * perBatch + i + 2) + ".00";
            }
            publish(s, prices);
            for (int i = 0; i < perBatch; i++) { // the fast reader keeps up with every quote
                JsonObject q = fast.next("quote");
                assertEquals(++lastSeq, q.getInt("seq"));
            }
        }
        slow.resume();
        long seq = 1;
        int got = 0;
        while (seq < lastSeq) {
            JsonObject q = slow.next("quote");
            long next = q.getInt("seq");
            assertTrue(next > seq, "seq keeps increasing: " + next + " after " + seq);
            seq = next;
            got++;
        }
        assertEquals(lastSeq, seq, "the newest quote arrives");
        assertTrue(got < batches * perBatch, "stale quotes were conflated away: got " + got);
        fast.close();
        slow.close();
    }
}
