package io.wsshub.it;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * What the integration tests need to be a real client of the running server: the HTTPS port, an SSLContext
 * that trusts the server's generated dev certificate (and nothing else), and a JDK WebSocket client that
 * queues what it receives so tests can wait for frames with timeouts.
 */
public final class Wss {

    public static final String PASSWORD = System.getProperty("it.demo.password", "demo-pass");
    public static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static volatile SSLContext ssl;

    private Wss() {
    }

    public static int port() {
        return Integer.getInteger("it.https.port", 9443);
    }

    public static URI https(String path) {
        return URI.create("https://localhost:" + port() + path);
    }

    public static URI wss(String path) {
        return URI.create("wss://localhost:" + port() + path);
    }

    /** Trusts exactly the server's key.p12 (read lazily: Liberty generates it on first start). */
    public static SSLContext ssl() {
        SSLContext s = ssl;
        if (s == null) {
            synchronized (Wss.class) {
                if (ssl == null) {
                    ssl = load();
                }
                s = ssl;
            }
        }
        return s;
    }

    private static SSLContext load() {
        try {
            String file = System.getProperty("it.keystore");
            char[] password = System.getProperty("it.keystore.password").toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(file)) {
                ks.load(in, password);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            awaitTls(ctx);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot trust the server's key.p12", e);
        }
    }

    /** Liberty reports "ready" before its HTTPS port opens on a first start: wait until a handshake works. */
    private static void awaitTls(SSLContext ctx) throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        while (true) {
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", port())) {
                s.startHandshake();
                return;
            } catch (IOException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw e;
                }
                Thread.sleep(250);
            }
        }
    }

    public static HttpClient http() {
        return HttpClient.newBuilder().sslContext(ssl()).connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).cookieHandler(new CookieManager()).build();
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Opens {@code path} with HTTP Basic credentials. */
    public static Client connect(String path, String user) {
        return connect(path, "Authorization", basic(user, PASSWORD));
    }

    /**
     * Joins a chat room as {@code user} with HTTP Basic and takes its welcome; each client in {@code present}
     * (already in the room, as other users) takes the join presence it is sent.
     */
    public static Client join(String room, String user, Client... present) throws InterruptedException {
        Client c = connect("/ws/chat/" + room, user);
        c.next("welcome");
        for (Client p : present) {
            p.next("presence");
        }
        return c;
    }

    /** Opens {@code path} with one extra handshake header (null name for none); fails on a refused handshake. */
    public static Client connect(String path, String header, String value) {
        try {
            return connectAsync(path, header, value).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("handshake to " + path + " failed", e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("handshake to " + path + " timed out", e);
        }
    }

    /** The HTTP status of a refused handshake, or 101 when it was accepted. */
    public static int handshakeStatus(String path, String header, String value) throws Exception {
        try {
            Client c = connectAsync(path, header, value).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            c.abort();
            return 101;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException ? e.getCause().getCause() : e.getCause();
            if (cause instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    public static CompletableFuture<Client> connectAsync(String path, String header, String value) {
        return connectAsync(path, header, value, new String[0]);
    }

    /** Opens {@code path} on the server at {@code port} (another node of a cluster) as {@code user}. */
    public static Client connectAt(int port, String path, String user) {
        return connectAt(port, path, "Authorization", basic(user, PASSWORD));
    }

    public static Client connectAt(int port, String path, String header, String value) {
        try {
            return connectAsyncAt(port, path, header, value).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("handshake to " + port + path + " failed", e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("handshake to " + port + path + " timed out", e);
        }
    }

    public static CompletableFuture<Client> connectAsyncAt(int port, String path, String header, String value) {
        Client client = new Client();
        WebSocket.Builder b = http().newWebSocketBuilder().connectTimeout(TIMEOUT);
        if (header != null) {
            b.header(header, value);
        }
        return b.buildAsync(URI.create("wss://localhost:" + port + path), client).thenApply(ws -> client);
    }

    /** Opens {@code path} as {@code user} (HTTP Basic) offering the given subprotocols. */
    public static Client connectOffering(String path, String user, String... subprotocols) throws Exception {
        return connectAsync(path, "Authorization", basic(user, PASSWORD), subprotocols)
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static CompletableFuture<Client> connectAsync(String path, String header, String value,
                                                          String... subprotocols) {
        Client client = new Client();
        WebSocket.Builder b = http().newWebSocketBuilder().connectTimeout(TIMEOUT);
        if (header != null) {
            b.header(header, value);
        }
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        return b.buildAsync(wss(path), client).thenApply(ws -> client);
    }

    /** Restarts the application the way a redeploy does: Liberty's monitor sees the app file change. */
    public static void restartApplication() throws java.io.IOException {
        java.nio.file.Path apps = java.nio.file.Path.of(System.getProperty("it.server.dir"), "apps");
        for (String name : new String[] {"wss-hub.war.xml", "wss-hub.war"}) {
            java.nio.file.Path app = apps.resolve(name);
            if (java.nio.file.Files.exists(app)) {
                java.nio.file.Files.setLastModifiedTime(app,
                        java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
                return;
            }
        }
        throw new AssertionError("no application in " + apps);
    }

    public static JsonObject parse(String json) {
        return Json.createReader(new StringReader(json)).readObject();
    }

    /** Logs in through the login form and returns the cookie header a browser would then send. */
    public static String formLogin(String user, String password) throws Exception {
        HttpClient http = http();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(https("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("j_username=" + user + "&j_password=" + password))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 302) {
            throw new AssertionError("login of " + user + " answered " + r.statusCode());
        }
        CookieManager cookies = (CookieManager) http.cookieHandler().orElseThrow();
        return String.join("; ", cookies.getCookieStore().getCookies().stream()
                .map(c -> c.getName() + "=" + c.getValue()).toList());
    }

    /** A connected client: everything the server sends is queued; the close is a future. */
    public static final class Client implements WebSocket.Listener {
        private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        public final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private volatile String closeReason;
        private volatile WebSocket ws;
        private volatile boolean paused;

        @Override
        public void onOpen(WebSocket webSocket) {
            this.ws = webSocket;
            webSocket.request(1);
        }

        @Override
        public CompletableFuture<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(partial.toString());
                partial.setLength(0);
            }
            if (!paused) {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletableFuture<?> onPing(WebSocket webSocket, java.nio.ByteBuffer message) {
            if (!paused) { // the JDK answers with a pong as it takes the ping; a paused client takes nothing
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletableFuture<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }

        /** Stops reading: the socket's receive buffers fill and the server sees a client that does not read. */
        public void pause() {
            paused = true;
        }

        public void resume() {
            paused = false;
            keepAlive.cancel(true);
            ws.request(Long.MAX_VALUE);
        }

        private volatile CompletableFuture<Void> keepAlive = CompletableFuture.completedFuture(null);

        /**
         * Stops reading but keeps talking (a frame every 500 ms that the server answers only to this client), like
         * a slow but live client: the heartbeat does not close it, only what its reading speed causes.
         */
        public void pauseButStayAlive() {
            pause();
            keepAlive = CompletableFuture.runAsync(() -> {
                while (!closed.isDone()) {
                    try {
                        ws.sendText("{\"type\":\"keepalive\"}", true).get(5, TimeUnit.SECONDS);
                        Thread.sleep(500);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
        }

        public WebSocket socket() {
            return ws;
        }

        public void send(String text) {
            ws.sendText(text, true).join();
        }

        public void sendJson(String type, String... keyValues) {
            var b = Json.createObjectBuilder().add("type", type);
            for (int i = 0; i < keyValues.length; i += 2) {
                b.add(keyValues[i], keyValues[i + 1]);
            }
            send(b.build().toString());
        }

        /** The next frame as the server sent it (text), failing after the timeout. */
        public String nextRaw() throws InterruptedException {
            String f = frames.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (f == null) {
                throw new AssertionError("no frame within " + TIMEOUT);
            }
            return f;
        }

        /** The next frame, failing after the timeout. */
        public JsonObject next() throws InterruptedException {
            String f = frames.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (f == null) {
                throw new AssertionError("no frame within " + TIMEOUT);
            }
            return parse(f);
        }

        /** The next frame of {@code type}, skipping others (e.g. presence while waiting for a message). */
        public JsonObject next(String type) throws InterruptedException {
            return next(f -> type.equals(f.getString("type", null)));
        }

        public JsonObject next(Predicate<JsonObject> wanted) throws InterruptedException {
            return next(TIMEOUT, wanted);
        }

        /** The next frame {@code wanted}, skipping others, within {@code limit} (for what takes the server longer). */
        public JsonObject next(Duration limit, Predicate<JsonObject> wanted) throws InterruptedException {
            long deadline = System.nanoTime() + limit.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                String f = left <= 0 ? null : frames.poll(left, TimeUnit.NANOSECONDS);
                if (f == null) {
                    throw new AssertionError("no matching frame within " + limit);
                }
                JsonObject o = parse(f);
                if (wanted.test(o)) {
                    return o;
                }
            }
        }

        /** The first frame, or null when the server closed the connection without sending one. */
        public JsonObject firstOrClosed() throws InterruptedException {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                String f = frames.poll(50, TimeUnit.MILLISECONDS);
                if (f != null) {
                    return parse(f);
                }
                if (closed.isDone() && frames.isEmpty()) {
                    return null;
                }
            }
            throw new AssertionError("neither a frame nor a close within " + TIMEOUT);
        }

        /** Frames already received and not yet taken. */
        public List<JsonObject> drain() {
            List<String> out = new java.util.ArrayList<>();
            frames.drainTo(out);
            return out.stream().map(Wss::parse).toList();
        }

        /** Waits for the server's close and returns its code. */
        public int awaitClose() throws Exception {
            return closed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }

        public String closeReason() {
            return closeReason;
        }

        /** Closes normally and waits for the server's close frame (so the server has released the connection). */
        public void close() {
            if (ws != null && !ws.isOutputClosed()) {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
                try {
                    closed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError("the server did not complete the close", e);
                }
            }
        }

        public void abort() {
            if (ws != null) {
                ws.abort();
            }
        }
    }
}
