package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import jakarta.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Health for load balancers (no credentials), and the Prometheus scrape (role monitor) as a scraper reads it. */
@ExtendWith(ArquillianExtension.class)
class OpsIT {

    static HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(Wss.https(path));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return Wss.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String metrics() throws Exception {
        HttpResponse<String> r = get("/metrics", Wss.basic("monitor", Wss.PASSWORD));
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /** The value of one sample line ({@code name{labels}}), or 0 when absent. */
    static double sample(String text, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void healthNeedsNoCredentialsAndSaysEveryReadinessCheck() throws Exception {
        HttpResponse<String> live = get("/health/live", null);
        assertEquals(200, live.statusCode(), live.body());
        HttpResponse<String> ready = get("/health/ready", null);
        assertEquals(200, ready.statusCode(), ready.body());
        JsonObject body = Wss.parse(ready.body());
        assertEquals("UP", body.getString("status"));
        var names = body.getJsonArray("checks").getValuesAs(JsonObject.class).stream()
                .map(c -> c.getString("name")).toList();
        assertTrue(names.containsAll(java.util.List.of("application", "keystore", "engine", "not-draining")),
                names.toString());
        assertEquals(200, get("/health/started", null).statusCode());
        assertTrue(!ready.body().contains("password") && !ready.body().contains("redis://"), "nothing secret");
    }

    @Test
    void metricsAreForTheMonitorRoleOnly() throws Exception {
        HttpResponse<String> anonymous = get("/metrics", null);
        assertEquals(401, anonymous.statusCode());
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
        assertEquals(403, get("/metrics", Wss.basic("alice", Wss.PASSWORD)).statusCode());
        HttpResponse<String> ok = get("/metrics", Wss.basic("monitor", Wss.PASSWORD));
        assertEquals(200, ok.statusCode());
        assertTrue(ok.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
    }

    @Test
    void metricsMoveAsTrafficFlowsAndPromtoolFindsNoProblem() throws Exception {
        String before = metrics();
        double received = sample(before, "wsshub_messages_received_total{endpoint=\"chat\"}");
        double delivered = sample(before, "wsshub_messages_delivered_total{endpoint=\"chat\"}");
        double normalCloses = sample(before, "wsshub_closes_total{code=\"1000\"}");
        double latencies = sample(before, "wsshub_delivery_latency_seconds_count");
        double origin = sample(before, "wsshub_handshakes_refused_total{reason=\"origin\"}");
        double unauthenticated = sample(before, "wsshub_handshakes_refused_total{reason=\"unauthenticated\"}");

        Client alice = Wss.join("ops-metrics", "alice");
        Client bob = Wss.join("ops-metrics", "bob", alice);
        String after;
        for (int i = 0; i < 5; i++) {
            alice.sendJson("send", "text", "m" + i);
            alice.next("message");
            bob.next("message");
        }
        assertTrue(sample(metrics(), "wsshub_connections{endpoint=\"chat\"}") >= 2, "open connections counted");
        // a name of its own: wrong passwords for alice would count towards her lock-out in the other tests
        assertEquals(401, Wss.handshakeStatus("/ws/chat/ops", "Authorization", Wss.basic("nobody-ops", "wrong")));
        assertEquals(403, HardeningIT.status("/ws/chat/ops", Wss.basic("alice", Wss.PASSWORD), "https://evil.example"));
        alice.close();
        bob.close();
        after = metrics();
        assertTrue(sample(after, "wsshub_messages_received_total{endpoint=\"chat\"}") >= received + 5, after);
        assertTrue(sample(after, "wsshub_messages_delivered_total{endpoint=\"chat\"}") >= delivered + 10);
        assertTrue(sample(after, "wsshub_delivery_latency_seconds_count") >= latencies + 10);
        assertTrue(sample(after, "wsshub_closes_total{code=\"1000\"}") >= normalCloses + 2);
        assertEquals(origin + 1, sample(after, "wsshub_handshakes_refused_total{reason=\"origin\"}"));
        assertEquals(unauthenticated + 1, sample(after, "wsshub_handshakes_refused_total{reason=\"unauthenticated\"}"));

        Path file = Path.of("target", "metrics.txt");
        Files.writeString(file, after, StandardCharsets.UTF_8);
        Process promtool;
        try {
            promtool = new ProcessBuilder("promtool", "check", "metrics").redirectInput(file.toFile())
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("promtool is not installed: apt-get install prometheus (or ./test)", e);
        }
        String out = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(promtool.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, promtool.exitValue(), "promtool check metrics: " + out);
        assertEquals("", out.trim(), "promtool found problems");
    }
}
