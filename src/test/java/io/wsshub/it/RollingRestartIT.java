package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The proof of operations (docs/operations.md): HAProxy (cluster/haproxy.cfg) in front of two nodes on one Redis,
 * clients chatting through it without pause in several rooms, and a rolling restart: drain A, restart it, drain B,
 * restart it. Every client that stayed in its room saw every message once, in id order; no send was lost (clients
 * re-send what was not acknowledged, with its clientId); and each drain was counted as 1012 closes.
 */
@ExtendWith(ArquillianExtension.class)
class RollingRestartIT {

    static RedisProcess redis;
    static LibertyNode a;
    static LibertyNode b;
    static Process haproxy;
    static int lbPort;
    static int statsPort;

    @BeforeAll
    static void start() throws Exception {
        Wss.ssl();
        redis = new RedisProcess(Path.of("target", "rolling-it", "redis"));
        redis.start();
        lbPort = RedisProcess.freePort();
        statsPort = RedisProcess.freePort();
        a = node("node-a");
        b = node("node-b");
        LibertyNode.startAll(a, b);
        ProcessBuilder pb = new ProcessBuilder("haproxy", "-db", "-f", Path.of("cluster", "haproxy.cfg").toString())
                .redirectErrorStream(true)
                .redirectOutput(Path.of("target", "rolling-it", "haproxy.log").toFile());
        pb.environment().putAll(Map.of("HAPROXY_BIND", "127.0.0.1:" + lbPort, "NODE_A", "127.0.0.1:" + a.port(),
                "NODE_B", "127.0.0.1:" + b.port(), "HAPROXY_STATS", "127.0.0.1:" + statsPort));
        try {
            haproxy = pb.start();
        } catch (java.io.IOException e) {
            throw new AssertionError("haproxy is not installed: apt-get install haproxy (or ./test)", e);
        }
        awaitBackend("node-a", "UP");
        awaitBackend("node-b", "UP");
    }

    private static LibertyNode node(String name) throws Exception {
        return new LibertyNode(name, Map.of("REDIS_URI", redis.uri(), "NODE_NAME", name,
                "PUBLIC_HOST", "localhost:" + lbPort, "DRAIN_SECONDS", "4", "DRAIN_PAUSE_SECONDS", "2",
                "PRESENCE_TTL_SECONDS", "6", "MARKET_FEED_ENABLED", "false"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (haproxy != null) {
            haproxy.destroy();
            haproxy.waitFor(10, TimeUnit.SECONDS);
        }
        LibertyNode.closeAll(a, b, redis);
    }

    /** HAProxy's view of a server: its stats CSV, column "status". */
    static void awaitBackend(String server, String status) throws Exception {
        Instant deadline = Instant.now().plusSeconds(90);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            try {
                String csv = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + statsPort + "/;csv")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                for (String line : csv.split("\n")) {
                    String[] f = line.split(",");
                    if (f.length > 17 && f[0].equals("nodes") && f[1].equals(server)) {
                        last = f[17];
                        if (f[17].startsWith(status)) {
                            return;
                        }
                    }
                }
            } catch (java.io.IOException e) {
                last = e.toString(); // HAProxy starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("HAProxy did not see " + server + " " + status + " (last: " + last + ")");
    }

    /**
     * A chat client as a program would write one: connects through the balancer, sends a message every 100 ms with
     * a new clientId, and on any close reconnects (at once on 1012, else after 200 ms), resumes with since/epoch and
     * re-sends what was not acknowledged. It checks every delivery: the next id, or the echo of its own retry.
     */
    static final class Session implements WebSocket.Listener, Runnable {
        final String room;
        final String user;
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        /** Where in the trace the first problem was seen (-1: none). */
        volatile int firstProblemAt = -1;
        final Map<String, String> pending = Collections.synchronizedMap(new LinkedHashMap<>());
        final List<String> acked = Collections.synchronizedList(new ArrayList<>());
        final Map<Integer, Integer> closes = Collections.synchronizedMap(new java.util.TreeMap<>());
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        /** What this client saw, for the failure message: connection number, then each frame in short. */
        final List<String> trace = Collections.synchronizedList(new ArrayList<>());
        private int connection;
        volatile boolean sending = true;
        volatile boolean stopped;
        volatile long lastId = -1;
        volatile String epoch;
        volatile WebSocket ws;
        private final StringBuilder partial = new StringBuilder();
        private int sent;
        private final Thread thread = new Thread(this);

        Session(String room, String user) {
            this.room = room;
            this.user = user;
        }

        void start() {
            thread.start();
        }

        private record Closed(int code) {
        }

        @Override
        public void onOpen(WebSocket w) {
            w.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                events.add(partial.toString());
                partial.setLength(0);
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
            events.add(new Closed(code));
            return null;
        }

        @Override
        public void onError(WebSocket w, Throwable error) {
            events.add(new Closed(1006));
        }

        private void connect() {
            Instant deadline = Instant.now().plusSeconds(60);
            while (!stopped) {
                String q = epoch == null ? "" : "?since=" + lastId + "&epoch=" + epoch;
                try {
                    trace.add("connect#" + (++connection) + q);
                    ws = Wss.http().newWebSocketBuilder().header("Authorization", Wss.basic(user, Wss.PASSWORD))
                            .connectTimeout(Duration.ofSeconds(10))
                            .buildAsync(URI.create("wss://localhost:" + lbPort + "/ws/chat/" + room + q), this)
                            .get(15, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) { // 503 from a draining node, or no node ready behind the balancer
                    if (Instant.now().isAfter(deadline)) {
                        problem("could not reconnect within 60 s: " + e);
                        stopped = true;
                        return;
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }

        @Override
        public void run() {
            connect();
            long nextSend = System.nanoTime();
            while (!stopped) {
                Object e;
                try {
                    e = events.poll(20, TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    return;
                }
                if (e instanceof String frame) {
                    handle(Wss.parse(frame));
                } else if (e instanceof Closed c) {
                    trace.add("closed " + c.code());
                    closes.merge(c.code(), 1, Integer::sum);
                    ws = null;
                    if (!stopped) {
                        connect();
                    }
                }
                if (sending && ws != null && epoch != null && System.nanoTime() >= nextSend) {
                    String clientId = user + "-" + room + "-" + (++sent);
                    pending.put(clientId, "m" + sent);
                    send(clientId, "m" + sent);
                    nextSend = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
                }
            }
            if (ws != null) {
                ws.sendClose(1000, "done");
            }
        }

        private void send(String clientId, String text) {
            trace.add("send " + clientId);
            WebSocket w = ws;
            if (w != null) {
                try {
                    w.sendText("{\"type\":\"send\",\"text\":\"" + text + "\",\"clientId\":\"" + clientId + "\"}", true)
                            .get(5, TimeUnit.SECONDS);
                } catch (Exception ex) {
                    // the socket is going: the message stays pending and is re-sent after the reconnect
                }
            }
        }

        private void handle(JsonObject f) {
            switch (f.getString("type")) {
                case "welcome" -> {
                    trace.add("welcome lastId=" + f.getJsonNumber("lastId") + " history="
                            + f.getJsonArray("history").getValuesAs(JsonObject.class).stream()
                                    .map(m -> m.getJsonNumber("id").toString()).toList());
                    if (epoch != null && !f.getBoolean("recovered", false)) {
                        problem("a resume was not recovered: " + f);
                    }
                    epoch = f.getString("epoch");
                    if (lastId < 0) {
                        // The first join starts at the room's position: its history (the other member may already
                        // have sent) came before this client and is not checked against it.
                        lastId = f.getJsonNumber("lastId").longValue();
                    } else {
                        for (JsonObject m : f.getJsonArray("history").getValuesAs(JsonObject.class)) {
                            message(m);
                        }
                    }
                    synchronized (pending) {
                        pending.forEach(this::send); // what was not acknowledged, with the same clientId
                    }
                }
                case "message" -> {
                    trace.add(f.getJsonNumber("id") + " " + f.getString("from") + " " + f.getString("clientId", ""));
                    message(f);
                }
                case "error" -> problem("error frame: " + f);
                default -> { }
            }
        }

        private void message(JsonObject m) {
            long id = m.getJsonNumber("id").longValue();
            String clientId = m.getString("clientId", null);
            boolean mine = user.equals(m.getString("from")) && clientId != null;
            if (id <= lastId) {
                if (!(mine && acked.contains(clientId))) {
                    problem("duplicate or out of order: id " + id + " after " + lastId);
                }
                return; // the original, re-sent to answer a retry
            }
            if (id != lastId + 1) {
                problem("gap: id " + id + " after " + lastId);
            }
            lastId = id;
            if (mine && pending.remove(clientId) != null) {
                acked.add(clientId);
            } else if (mine && acked.contains(clientId)) {
                problem("stored twice: " + clientId);
            }
        }

        private void problem(String what) {
            if (firstProblemAt < 0) {
                firstProblemAt = trace.size();
            }
            problems.add(what);
        }

        /** The trace around the first problem (or its end). */
        String context() {
            int at = firstProblemAt < 0 ? trace.size() : firstProblemAt;
            return String.join("\n", trace.subList(Math.max(0, at - 80), Math.min(trace.size(), at + 20)));
        }

        void finish() throws InterruptedException {
            stopped = true;
            thread.join(10_000);
        }
    }

    private static boolean sameLastIds(List<Session> sessions, int rooms) {
        for (int r = 0; r < rooms; r++) {
            if (sessions.get(2 * r).lastId != sessions.get(2 * r + 1).lastId) {
                return false;
            }
        }
        return true;
    }

    private static HttpResponse<String> drain(LibertyNode n) throws Exception {
        return DrainIT.call(n, "POST", "/api/admin/drain", Wss.basic("operator", Wss.PASSWORD));
    }

    /** Drains a node, waits until its sockets are gone, checks its metrics, then restarts it and waits until HAProxy has it again. */
    private static void roll(LibertyNode n, List<Session> sessions) throws Exception {
        assertEquals(202, drain(n).statusCode());
        awaitBackend(n.name(), "DOWN");
        Instant deadline = Instant.now().plusSeconds(20);
        while (Wss.parse(DrainIT.call(n, "GET", "/api/admin/drain", Wss.basic("operator", Wss.PASSWORD)).body())
                .getInt("openConnections") > 0) {
            assertTrue(Instant.now().isBefore(deadline), n.name() + " kept sockets open");
            Thread.sleep(200);
        }
        String metrics = DrainIT.call(n, "GET", "/metrics", Wss.basic("monitor", Wss.PASSWORD)).body();
        assertTrue(OpsIT.sample(metrics, "wsshub_closes_total{code=\"1012\"}") >= 1, metrics);
        n.stop(); // a drained node has nothing left to lose
        n.start();
        awaitBackend(n.name(), "UP");
        awaitTraffic(sessions); // every client chats again before the next step
    }

    /** Waits until every client has had 5 more of its sends acknowledged. */
    private static void awaitTraffic(List<Session> sessions) throws InterruptedException {
        Map<Session, Integer> before = new java.util.HashMap<>();
        sessions.forEach(s -> before.put(s, s.acked.size()));
        Instant deadline = Instant.now().plusSeconds(30);
        while (sessions.stream().anyMatch(s -> s.acked.size() < before.get(s) + 5)) {
            assertTrue(Instant.now().isBefore(deadline), "clients stopped getting their sends acknowledged");
            Thread.sleep(50);
        }
    }

    @Test
    void aRollingRestartUnderTrafficLosesAndDuplicatesNothing() throws Exception {
        List<Session> sessions = new ArrayList<>();
        String[][] members = {{"alice", "bob"}, {"bob", "carol"}, {"carol", "alice"}};
        for (int r = 0; r < members.length; r++) {
            String room = "roll-" + r + "-" + System.nanoTime() % 100000;
            for (String user : members[r]) {
                sessions.add(new Session(room, user));
            }
        }
        sessions.forEach(Session::start);
        awaitTraffic(sessions);

        roll(a, sessions);
        roll(b, sessions);

        sessions.forEach(s -> s.sending = false);
        Instant deadline = Instant.now().plusSeconds(30);
        while (sessions.stream().anyMatch(s -> !s.pending.isEmpty())) {
            assertTrue(Instant.now().isBefore(deadline), "sends never acknowledged: "
                    + sessions.stream().map(s -> s.user + "@" + s.room + "=" + s.pending.keySet()).toList());
            Thread.sleep(100);
        }
        deadline = Instant.now().plusSeconds(15);
        while (!sameLastIds(sessions, members.length)) { // the last echoes reach each room's other member
            assertTrue(Instant.now().isBefore(deadline), "the members of a room never saw the same last id");
            Thread.sleep(50);
        }
        for (Session s : sessions) {
            s.finish();
        }
        int total1012 = 0;
        for (Session s : sessions) {
            assertEquals(List.of(), s.problems, s.user + " in " + s.room + "; around the first problem it saw:\n"
                    + s.context());
            assertTrue(s.acked.size() > 20, s.user + " sent through the whole restart: " + s.acked.size());
            total1012 += s.closes.getOrDefault(1012, 0);
        }
        assertTrue(total1012 >= sessions.size(), "every client was moved by a drain at least once: " + total1012);
        for (int r = 0; r < members.length; r++) {
            assertEquals(sessions.get(2 * r).lastId, sessions.get(2 * r + 1).lastId,
                    "both members of " + sessions.get(2 * r).room + " saw the same last id");
        }
    }
}
