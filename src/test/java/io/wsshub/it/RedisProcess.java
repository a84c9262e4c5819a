package io.wsshub.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A throw-away {@code redis-server} (Debian's) on a free loopback port, with its data (AOF, fsync on every write,
 * so a stop or a kill loses nothing acknowledged) under {@code target/}. Tests start, stop and restart it for
 * real: "Redis down" is a stopped process, not a mock.
 */
public final class RedisProcess implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final List<String> extra = new java.util.ArrayList<>();
    private Process process;

    public RedisProcess(Path dir) throws IOException {
        this.dir = dir.toAbsolutePath(); // redis-server changes into --dir before it opens the log file
        this.port = freePort();
        Files.createDirectories(dir);
    }

    /** A Redis with no data from an earlier run in {@code dir}. */
    public static RedisProcess empty(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return new RedisProcess(dir);
    }

    public int port() {
        return port;
    }

    /** Starts as a replica of the Redis on {@code primaryPort} (call before {@link #start}). */
    public RedisProcess replicaOf(int primaryPort) {
        extra.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(primaryPort)));
        return this;
    }

    /** kill -9: nothing is flushed, what only this process held is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** kill -SIGNAL (STOP freezes it: it reads nothing from its sockets; CONT thaws it). */
    public void signal(String signal) throws Exception {
        int rc = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start().waitFor();
        if (rc != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid() + " exited " + rc);
        }
    }

    /** One command (arguments as given, no quoting), its whole reply flattened: arrays into their elements. */
    public List<String> query(String... args) throws IOException {
        return Resp.query(port, args);
    }

    /**
     * Creates the ACL user that docs/cluster.md documents, from exactly its line (with {@code password} for
     * CHANGE-ME), and returns the URI that logs in as it: the nodes then run with only those permissions.
     */
    public String aclUserFromDocs(String password) throws IOException {
        String doc = Files.readString(Path.of("docs", "cluster.md"));
        int at = doc.indexOf("ACL SETUSER wsshub");
        if (at < 0) {
            throw new AssertionError("docs/cluster.md documents no ACL SETUSER wsshub line");
        }
        String block = doc.substring(at, doc.indexOf("```", at));
        String line = block.replace("\\\n", " ").replaceAll("\\s+", " ").trim().replace("CHANGE-ME", password);
        String reply = command(line);
        if (!"+OK".equals(reply)) {
            throw new AssertionError("Redis refused the documented ACL line (" + reply + "): " + line);
        }
        return "redis://wsshub:" + password + "@127.0.0.1:" + port + "/0";
    }

    /** The redis-server process id (to freeze it with SIGSTOP, as a hiccup). */
    public long pid() {
        return process.pid();
    }

    public String uri() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    public void start() throws Exception {
        start(true);
    }

    /** @param aof load (and keep) the append-only file; without it the last {@link #snapshot} is loaded */
    private void start(boolean aof) throws Exception {
        if (!new java.io.File("/usr/bin/redis-server").canExecute() && !onPath("redis-server")) {
            throw new AssertionError("redis-server is not installed: apt-get install redis-server (or ./test)");
        }
        List<String> cmd = new java.util.ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--dir", dir.toString(), "--appendonly", aof ? "yes" : "no", "--appendfsync", "always",
                "--save", "", "--maxmemory-policy", "noeviction", "--logfile", dir.resolve("redis.log").toString()));
        cmd.addAll(extra);
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.out").toFile()).start();
        Instant deadline = Instant.now().plusSeconds(20);
        while (!"+PONG".equals(command("PING"))) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("redis-server did not start; see " + dir.resolve("redis.log"));
            }
            Thread.sleep(50);
        }
    }

    /** SAVE: the data as it is now goes to dump.rdb, what {@link #crashToSnapshot} brings back. */
    public void snapshot() {
        String reply = command("SAVE");
        if (!"+OK".equals(reply)) {
            throw new IllegalStateException("SAVE answered " + reply);
        }
    }

    /**
     * A crash that loses acknowledged writes, as Redis does with {@code appendfsync everysec} or when a replica
     * that lagged is promoted: kill -9, then start again from the last {@link #snapshot} alone, so everything
     * written after it is gone. The append-only file is then written anew from that data (a later restart keeps
     * what comes next).
     */
    public void crashToSnapshot() throws Exception {
        process.destroyForcibly().waitFor();
        try (var files = Files.walk(dir.resolve("appendonlydir"))) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        start(false);
        String reply = command("CONFIG SET appendonly yes");
        if (!"+OK".equals(reply)) {
            throw new IllegalStateException("CONFIG SET appendonly yes answered " + reply);
        }
    }

    /** SHUTDOWN (the AOF is flushed), then waits for the process to end. */
    public void stop() throws Exception {
        command("SHUTDOWN");
        if (process != null && !process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /**
     * One command in the inline protocol; the first reply line, or null when nothing answers. Good enough for
     * PING, GET and SHUTDOWN in tests.
     */
    public String command(String line) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) Duration.ofSeconds(5).toMillis());
            OutputStream out = s.getOutputStream();
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            if (b.toString().startsWith("$") && !b.toString().equals("$-1")) {
                b.setLength(0);
                while ((c = in.read()) != -1 && c != '\n') {
                    if (c != '\r') {
                        b.append((char) c);
                    }
                }
            }
            return b.isEmpty() ? null : b.toString();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            stop();
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (new java.io.File(dir, tool).canExecute()) {
                return true;
            }
        }
        return false;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
