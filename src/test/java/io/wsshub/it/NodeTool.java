package io.wsshub.it;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import jakarta.json.JsonObject;

/** Node.js for the ITs: the client library's dependencies (npm ci, once), the server's CA as PEM, processes. */
final class NodeTool {

    static final Path CLIENT = Path.of("client");
    static final Path WORK = Path.of("target", "client-it");

    private NodeTool() {
    }

    /** client/node_modules as pinned by client/package-lock.json. */
    static synchronized void ensureClientDependencies() throws Exception {
        Files.createDirectories(WORK);
        if (Files.exists(CLIENT.resolve("node_modules/ws/package.json"))) {
            return;
        }
        Path log = WORK.resolve("npm-ci.log");
        int exit = run(new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(CLIENT.toFile()), log, 300);
        if (exit != 0) {
            throw new AssertionError("npm ci failed (" + exit + "):\n" + Files.readString(log));
        }
    }

    /** Runs {@code pb} to its end (at most {@code seconds}), its output in {@code log}; returns its exit code. */
    static int run(ProcessBuilder pb, Path log, int seconds) throws Exception {
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(pb.command() + " did not finish in " + seconds + " s:\n" + Files.readString(log));
        }
        return p.exitValue();
    }

    /** The certificate of the server's key.p12 as PEM (what a Node client is told to trust); returns its path. */
    static Path serverCaPem() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(System.getProperty("it.keystore"))) {
            ks.load(in, System.getProperty("it.keystore.password").toCharArray());
        }
        StringBuilder pem = new StringBuilder();
        for (String alias : Collections.list(ks.aliases())) {
            Certificate c = ks.getCertificate(alias);
            if (c != null) {
                pem.append("-----BEGIN CERTIFICATE-----\n")
                        .append(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            }
        }
        Files.createDirectories(WORK);
        Path file = WORK.resolve("server-ca.pem");
        Files.writeString(file, pem.toString());
        return file;
    }

    /** {@code node examples/watch.js url channels…} as {@code user}: its JSON lines, as they come. */
    static Watch watch(String url, String user, String... channels) throws Exception {
        ensureClientDependencies();
        List<String> cmd = new java.util.ArrayList<>(List.of("node", "examples/watch.js", url));
        cmd.addAll(List.of(channels));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(CLIENT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(Map.of("WSSHUB_USER", user, "WSSHUB_PASSWORD", Wss.PASSWORD,
                "WSSHUB_CA", serverCaPem().toAbsolutePath().toString()));
        return new Watch(pb.start());
    }

    /** A running watch.js: its output lines parsed as JSON (other lines kept for the failure message). */
    static final class Watch implements AutoCloseable {
        private final Process process;
        private final BlockingQueue<JsonObject> lines = new LinkedBlockingQueue<>();
        private final StringBuffer output = new StringBuffer();

        Watch(Process process) {
            this.process = process;
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        output.append(line).append('\n');
                        if (line.startsWith("{")) {
                            lines.add(Wss.parse(line));
                        }
                    }
                } catch (Exception e) {
                    // the process ended
                }
            }, "node-watch");
            t.setDaemon(true);
            t.start();
        }

        /** The next line that matches, within the IT timeout. */
        JsonObject next(Predicate<JsonObject> wanted) throws InterruptedException {
            long deadline = System.nanoTime() + Wss.TIMEOUT.toNanos();
            while (true) {
                JsonObject o = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (o == null) {
                    throw new AssertionError("no matching line from watch.js within " + Wss.TIMEOUT + ":\n" + output);
                }
                if (wanted.test(o)) {
                    return o;
                }
            }
        }

        @Override
        public void close() {
            process.destroy();
        }
    }
}
