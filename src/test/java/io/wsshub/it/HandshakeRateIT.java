package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Handshakes per user and per address (review item 4), on a server of its own with small limits (the test server
 * turns them off: every IT connects from loopback): over either, the handshake is refused with 429 and
 * Retry-After before anything is admitted, and the sockets already open are not touched.
 */
@ExtendWith(ArquillianExtension.class)
class HandshakeRateIT {

    @Test
    void aHandshakeOverItsUsersOrItsAddresssRateIsRefused429() throws Exception {
        Wss.ssl(); // Arquillian's server generated the keystore the node copies
        try (LibertyNode node = new LibertyNode("handshake-rate", Map.of("TRANSPORT_HANDSHAKES_PER_MINUTE_USER", "4",
                "TRANSPORT_HANDSHAKES_PER_MINUTE_ADDRESS", "7"))) {
            node.start();
            List<Client> open = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Client c = Wss.connectAt(node.port(), "/ws", "dave");
                assertEquals("connected", c.next().getString("type"));
                open.add(c);
            }
            HttpResponse<?> refused = refusal(node, "dave");
            assertEquals(429, refused.statusCode(), "dave's fifth handshake within the minute");
            long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElse("0"));
            assertTrue(retryAfter >= 1 && retryAfter <= 15, "Retry-After " + retryAfter);
            for (int i = 0; i < 3; i++) { // another user from the same address, up to the address's 7
                Client c = Wss.connectAt(node.port(), "/ws/chat/rate", "alice");
                assertEquals("welcome", c.next().getString("type"));
                open.add(c);
            }
            assertEquals(429, refusal(node, "alice").statusCode(), "the address's eighth handshake");
            Client first = open.get(0); // the open sockets work on
            first.send("{\"type\":\"ping\"}");
            assertEquals("pong", first.next("pong").getString("type"));
            String metrics = DrainIT.call(node, "GET", "/metrics", Wss.basic("monitor", Wss.PASSWORD)).body();
            assertEquals(2.0, OpsIT.sample(metrics, "wsshub_handshakes_refused_total{reason=\"handshake_rate\"}"), metrics);
            open.forEach(Client::close);
        }
    }

    /** The response to a handshake that was refused (fails if it was accepted). */
    private static HttpResponse<?> refusal(LibertyNode node, String user) throws Exception {
        try {
            Client c = Wss.connectAsyncAt(node.port(), "/ws", "Authorization", Wss.basic(user, Wss.PASSWORD))
                    .get(Wss.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            c.abort();
            throw new AssertionError("the handshake of " + user + " was accepted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException ? e.getCause().getCause() : e.getCause();
            if (cause instanceof WebSocketHandshakeException h) {
                return h.getResponse();
            }
            throw e;
        }
    }
}
