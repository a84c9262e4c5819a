package io.wsshub.it;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Another Liberty server running the same build (a node of a cluster): a copy of the ITs' defaultServer
 * (same server.xml, same loose application, same generated keystore and LTPA keys) under another name, on a free
 * HTTPS port, started with {@code server run} as a child process, so a test can stop it or kill -9 it for real.
 */
public final class LibertyNode implements AutoCloseable {

    private final String name;
    private final Path wlp;
    private final Path dir;
    private final int port;
    private final Map<String, String> env;
    private Process process;

    /** @param env server variables as environment variables (REDIS_URI, NODE_NAME, ...) */
    public LibertyNode(String name, Map<String, String> env) throws IOException {
        this.name = name;
        Path template = Path.of(System.getProperty("it.server.dir"));
        this.wlp = template.getParent().getParent().getParent();
        this.dir = template.getParent().resolve(name);
        this.port = RedisProcess.freePort();
        this.env = env;
        copy(template, dir);
        Files.writeString(dir.resolve("configDropins/overrides/liberty-plugin-variable-config.xml"),
                "<server><variable name=\"https.port\" value=\"" + port + "\"/></server>\n");
    }

    public int port() {
        return port;
    }

    public String name() {
        return name;
    }

    private static void copy(Path from, Path to) throws IOException {
        if (Files.exists(to)) {
            try (Stream<Path> old = Files.walk(to)) {
                old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path rel = from.relativize(p);
                if (rel.startsWith("logs") || rel.startsWith("workarea")) {
                    continue;
                }
                Path target = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Starts the server and waits until the application answers a chat handshake. */
    public void start() throws Exception {
        startServerOnly();
        awaitReady();
    }

    /** Starts the server without waiting for the application (which may refuse to start). */
    public void startServerOnly() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(wlp.resolve("bin/server").toString(), "run", name))
                .redirectErrorStream(true).redirectOutput(dir.resolve("console.out").toFile());
        // the ITs' environment opens the mTLS port and allows BrowserIT's proxy origin on defaultServer only
        pb.environment().remove("SECURITY_ALLOWED_ORIGINS");
        pb.environment().putAll(env);
        pb.environment().put("MTLS_PORT", "-1");
        process = pb.start();
    }

    /** The server's messages.log so far ("" before it exists). */
    public String log() throws IOException {
        Path log = dir.resolve("logs/messages.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Waits for a line of messages.log containing {@code text}; returns that line. */
    public String awaitLog(String text, int seconds) throws Exception {
        Instant deadline = Instant.now().plusSeconds(seconds);
        while (true) {
            for (String line : log().split("\n")) {
                if (line.contains(text)) {
                    return line;
                }
            }
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                throw new AssertionError(name + ": no \"" + text + "\" in " + dir.resolve("logs/messages.log"));
            }
            Thread.sleep(200);
        }
    }

    public void awaitReady() throws Exception {
        Instant deadline = Instant.now().plusSeconds(120);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited; see " + dir.resolve("console.out"));
            }
            try {
                HttpResponse<String> r = Wss.http().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("https://localhost:" + port + "/login.html")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(name + " did not become ready; see " + dir.resolve("console.out"));
            }
            Thread.sleep(250);
        }
    }

    /** The server's JVM (server run execs java). */
    public long pid() {
        return process.pid();
    }

    /** Restarts the application the way a redeploy does: Liberty's monitor sees the app file change. */
    public void restartApplication() throws IOException {
        Files.setLastModifiedTime(dir.resolve("apps/wss-hub.war.xml"),
                java.nio.file.attribute.FileTime.from(Instant.now()));
    }

    /** Live threads of the server whose name starts with {@code prefix} (jcmd Thread.print). */
    public long threads(String prefix) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid()), "Thread.print").redirectErrorStream(true).start();
        String dump = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        return dump.lines().filter(l -> l.startsWith("\"" + prefix)).count();
    }

    /** kill -9: no shutdown hook, no close frames, nothing flushed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public void stop() throws Exception {
        if (process == null || !process.isAlive()) {
            return;
        }
        Process stop = new ProcessBuilder(List.of(wlp.resolve("bin/server").toString(), "stop", name))
                .redirectErrorStream(true).redirectOutput(dir.resolve("stop.out").toFile()).start();
        stop.waitFor(90, java.util.concurrent.TimeUnit.SECONDS);
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    /** True when the node's last stop waited out Liberty's quiesce timeout instead of finishing its work. */
    public boolean stopWaitedForQuiesce() throws IOException {
        Path log = dir.resolve("logs/messages.log");
        return Files.exists(log) && Files.readString(log).contains("CWWKE1106W");
    }

    /** Starts the nodes side by side (each Liberty start takes most of its time waiting, not computing). */
    public static void startAll(LibertyNode... nodes) {
        java.util.concurrent.CompletableFuture.allOf(java.util.Arrays.stream(nodes)
                .map(n -> java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try {
                        n.start();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })).toArray(java.util.concurrent.CompletableFuture[]::new)).join();
    }

    /** Closes what is there, each even if another fails (test teardown). */
    public static void closeAll(AutoCloseable... all) {
        for (AutoCloseable c : all) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    e.printStackTrace();
                }
            }
        }
    }
}
