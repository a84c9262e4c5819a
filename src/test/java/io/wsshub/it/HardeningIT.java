package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import jakarta.json.JsonObject;
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

/** No client can hurt another: Origin checks, connection caps, rate limits, slow readers, logout. */
@ExtendWith(ArquillianExtension.class)
class HardeningIT {

    private static final double RATE = Double.parseDouble(System.getProperty("it.rate.per.second", "20"));
    private static final int BURST = Integer.getInteger("it.rate.burst", 40);
    private static final int FLOOD = Integer.getInteger("it.flood.rejections", 200);

    private static String newRoom() {
        return "hard-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String own() {
        return "https://localhost:" + Wss.port();
    }

    // ---------------------------------------------------------------- Origin

    @Test
    void aForeignOriginIsRefusedWith403() throws Exception {
        String basic = Wss.basic("alice", Wss.PASSWORD);
        for (String origin : new String[] {"https://evil.example", "https://localhost.evil.example",
                "https://localhost.evil.example:" + Wss.port(), "http://localhost:" + Wss.port(),
                "https://localhost:1", "null"}) {
            assertEquals(403, status("/ws/chat/lobby", basic, origin), origin);
        }
    }

    @Test
    void theServersOwnOriginAndNoOriginAreAllowed() throws Exception {
        String basic = Wss.basic("alice", Wss.PASSWORD);
        assertEquals(101, status("/ws/chat/lobby", basic, own()));
        assertEquals(101, status("/ws/chat/lobby", basic, null));
    }

    static int status(String path, String basic, String origin) throws Exception {
        var b = Wss.http().newWebSocketBuilder().header("Authorization", basic);
        if (origin != null) {
            b.header("Origin", origin);
        }
        try {
            b.buildAsync(Wss.wss(path), new Client()).get(15, TimeUnit.SECONDS).abort();
            return 101;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- connection caps

    @Test
    void oneConnectionOverThePerUserCapIsClosedWith1013AndTheOthersStay() throws Exception {
        int cap = 20; // transport.max.connections.per.user default
        String room = newRoom();
        List<Client> mine = new ArrayList<>();
        try {
            for (int i = 0; i < cap; i++) {
                Client c = Wss.join(room, "carol");
                mine.add(c);
            }
            Client extra = Wss.connect("/ws/chat/" + room, "carol");
            assertEquals(1013, extra.awaitClose());
            assertTrue(extra.closeReason().contains("too many connections"), extra.closeReason());

            Client first = mine.get(0);
            first.sendJson("send", "text", "still connected");
            for (Client c : mine) {
                assertEquals("still connected", c.next("message").getString("text"));
            }
            // a slot that frees up can be used again
            mine.remove(0).close();
            Client again = Wss.join(room, "carol");
            mine.add(again);
        } finally {
            for (Client c : mine) {
                c.close();
            }
        }
    }

    @Test
    void theServerWideCapRefusesWith1013() throws Exception {
        int cap = Integer.getInteger("it.max.connections", 40); // transport.max.connections for the ITs
        String room = newRoom();
        List<Client> held = new ArrayList<>();
        String[] users = {"alice", "bob", "carol"};
        try {
            Client refused = null;
            for (int i = 0; i <= cap && refused == null; i++) {
                Client c = Wss.connect("/ws/chat/" + room, users[i % 3]);
                JsonObject first = c.firstOrClosed();
                if (first != null && "welcome".equals(first.getString("type", ""))) {
                    held.add(c);
                } else {
                    refused = c;
                }
            }
            if (refused == null) {
                Client c = Wss.connect("/ws/chat/" + room, "alice");
                held.add(c);
                refused = c;
            }
            assertEquals(1013, refused.awaitClose());
            assertEquals("server connection limit reached", refused.closeReason());
            assertTrue(held.size() <= cap, held.size() + " admitted");
            held.remove(held.size() - 1).close();
            Client again = Wss.connect("/ws/chat/" + room, "bob");
            assertEquals("welcome", again.next().getString("type"), "a freed place is usable");
            held.add(again);
        } finally {
            for (Client c : held) {
                c.close();
            }
        }
    }

    // ---------------------------------------------------------------- rate limit and flood

    @Test
    void overTheRateLimitMessagesGetRateLimitedAndAreNotBroadcast() throws Exception {
        String room = newRoom();
        Client alice = Wss.join(room, "alice");
        Client bob = Wss.join(room, "bob", alice);

        int n = BURST + 4000; // sent back to back, far faster than RATE
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            alice.sendJson("send", "text", "m" + i);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int accepted = 0;
        int limited = 0;
        for (int i = 0; i < n; i++) { // every message is answered: its echo or an error
            JsonObject f = alice.next();
            if ("message".equals(f.getString("type"))) {
                accepted++;
            } else {
                assertEquals("rate_limited", f.getString("code"), f.toString());
                limited++;
            }
        }
        assertTrue(limited > 0, "nothing was limited");
        assertTrue(accepted >= BURST, "the burst is allowed: " + accepted);
        assertTrue(accepted <= BURST + RATE * (seconds + 1), accepted + " accepted in " + seconds + " s");
        for (int i = 1; i <= accepted; i++) {
            JsonObject m = bob.next();
            assertEquals("message", m.getString("type"), "bob sees only the accepted messages");
            assertEquals(i, m.getJsonNumber("id").longValue());
        }
        // bob may send: his own bucket is full
        bob.sendJson("send", "text", "bob is not limited");
        assertEquals("bob is not limited", bob.next().getString("text"));
        alice.close();
        bob.close();
    }

    @Test
    void aClientThatKeepsFloodingIsClosedWith1008() throws Exception {
        String room = newRoom();
        Client alice = Wss.join(room, "alice");
        Client bob = Wss.join(room, "bob");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int sent = 0;
        while (!alice.closed.isDone() && System.nanoTime() < deadline) {
            try {
                alice.socket().sendText("{\"type\":\"send\",\"text\":\"flood\"}", true).join();
                sent++;
            } catch (RuntimeException e) {
                break; // the server closed while we were sending
            }
        }
        assertEquals(1008, alice.awaitClose(), "after " + sent + " messages");
        assertTrue(sent > BURST + FLOOD, "closed only once well over the limit: " + sent);
        assertEquals("leave", bob.next("presence").getString("event"));
        bob.sendJson("send", "text", "bob is fine");
        assertEquals("bob is fine", bob.next("message").getString("text"));
        bob.close();
    }

    // ---------------------------------------------------------------- slow consumers

    @Test
    void aReaderThatStopsIsClosedWhileTheOthersGetEverythingInOrder() throws Exception {
        String room = newRoom();
        int total = 10_000;
        String text = "x".repeat(1000); // ~1 KB frames: 10 MB in all, far beyond the socket buffers
        Client stalled = Wss.join(room, "alice");
        stalled.pauseButStayAlive(); // only its full queue, not the idle timeout, may close it
        Client bob = Wss.join(room, "bob");
        Client carol = Wss.join(room, "carol", bob);

        // two senders at the (raised) rate limit, each reading its own stream too
        CompletableFuture<Void> bobSends = CompletableFuture.runAsync(() -> paced(bob, total / 2, text, "b"));
        CompletableFuture<Void> carolSends = CompletableFuture.runAsync(() -> paced(carol, total / 2, text, "c"));

        long lastBob = 0;
        long lastCarol = 0;
        boolean sawLeave = false;
        for (int got = 0; got < total; ) {
            JsonObject b = bob.next();
            if ("presence".equals(b.getString("type"))) {
                assertEquals("alice", b.getString("user"));
                sawLeave |= "leave".equals(b.getString("event"));
                continue;
            }
            assertEquals("message", b.getString("type"), b.toString());
            assertEquals(lastBob + 1, b.getJsonNumber("id").longValue(), "bob: in order, nothing lost");
            lastBob++;
            got++;
        }
        for (int got = 0; got < total; ) {
            JsonObject c = carol.next();
            if (!"message".equals(c.getString("type"))) {
                continue;
            }
            assertEquals(lastCarol + 1, c.getJsonNumber("id").longValue(), "carol: in order, nothing lost");
            lastCarol++;
            got++;
        }
        bobSends.get(60, TimeUnit.SECONDS);
        carolSends.get(60, TimeUnit.SECONDS);
        if (!sawLeave) {
            assertEquals("leave", bob.next("presence").getString("event"), "the stalled reader was closed");
        }
        stalled.resume();
        try {
            int code = stalled.closed.get(30, TimeUnit.SECONDS);
            assertEquals(1013, code);
        } catch (java.util.concurrent.ExecutionException e) {
            // the server gave up on the close handshake and dropped the TCP connection: also closed
        }
        bob.close();
        carol.close();
    }

    /** Sends {@code n} messages at 90 % of the configured rate (a well-behaved client). */
    private static void paced(Client c, int n, String text, String tag) {
        long intervalNanos = (long) (1e9 / (RATE * 0.9));
        long next = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
            next += intervalNanos;
            c.sendJson("send", "text", tag + i + " " + text);
        }
    }

    // ---------------------------------------------------------------- logout

    @Test
    void logoutClosesTheSocketsOfThatLoginOnly() throws Exception {
        String cookie = Wss.formLogin("bob", Wss.PASSWORD);
        String room = newRoom();
        Client tab1 = Wss.connect("/ws/chat/" + room, "Cookie", cookie);
        tab1.next("welcome");
        Client tab2 = Wss.connect("/ws/chat/other-" + room.substring(5), "Cookie", cookie);
        tab2.next("welcome");
        Client basic = Wss.connect("/ws/chat/" + room, "bob"); // the same user, not that login
        basic.next("welcome");

        HttpResponse<String> r = Wss.http().send(HttpRequest.newBuilder(Wss.https("/logout"))
                .header("Cookie", cookie).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(302, r.statusCode());
        for (Client c : List.of(tab1, tab2)) {
            assertEquals(1008, c.awaitClose());
            assertEquals("logged out", c.closeReason());
        }
        basic.sendJson("send", "text", "still here");
        assertEquals("still here", basic.next("message").getString("text"));
        basic.close();
        assertEquals(401, Wss.handshakeStatus("/ws/chat/" + room, "Cookie", cookie), "the old cookie is dead");
    }

    // ---------------------------------------------------------------- headers

    @Test
    void pagesSendTheSecurityHeaders() throws Exception {
        for (String path : new String[] {"/login.html", "/login-error.html", "/no-such-page", "/ws/chat/lobby"}) {
            HttpResponse<String> r = Wss.http().send(HttpRequest.newBuilder(Wss.https(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            var h = r.headers();
            assertEquals("nosniff", h.firstValue("X-Content-Type-Options").orElse(""), path);
            assertEquals("DENY", h.firstValue("X-Frame-Options").orElse(""), path);
            assertEquals("same-origin", h.firstValue("Referrer-Policy").orElse(""), path);
            String csp = h.firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), path + " " + csp);
        }
    }

}
