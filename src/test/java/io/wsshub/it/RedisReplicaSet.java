package io.wsshub.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The layout docs/cluster.md recommends, for real: a Redis primary, its replicas and three sentinels
 * ({@code redis-server --sentinel}), each a process on a free loopback port with its data under {@code dir}.
 * Tests freeze, kill and watch them to make failovers happen.
 */
public final class RedisReplicaSet implements AutoCloseable {

    public static final String MASTER = "wsshub";

    private final Path dir;
    private final List<RedisProcess> servers = new ArrayList<>();
    private final List<Process> sentinels = new ArrayList<>();
    private final List<Integer> sentinelPorts = new ArrayList<>();

    /** The sentinels' own password (requirepass, and what they use with each other), or null: none. */
    private final String sentinelPassword;

    private RedisReplicaSet(Path dir, String sentinelPassword) {
        this.dir = dir;
        this.sentinelPassword = sentinelPassword;
    }

    /** A primary with {@code replicas} replicas in sync and three sentinels that all know them. */
    public static RedisReplicaSet start(Path dir, int replicas) throws Exception {
        return start(dir, replicas, null);
    }

    /** As {@link #start(Path, int)}, with sentinels that require {@code sentinelPassword}. */
    public static RedisReplicaSet start(Path dir, int replicas, String sentinelPassword) throws Exception {
        RedisReplicaSet set = new RedisReplicaSet(dir, sentinelPassword);
        try {
            RedisProcess primary = RedisProcess.empty(dir.resolve("redis-0"));
            set.servers.add(primary);
            primary.start();
            for (int i = 1; i <= replicas; i++) {
                RedisProcess r = RedisProcess.empty(dir.resolve("redis-" + i)).replicaOf(primary.port());
                set.servers.add(r);
                r.start();
            }
            set.awaitInSync(primary, replicas, Duration.ofSeconds(60));
            for (int i = 0; i < 3; i++) {
                set.startSentinel(i, primary.port());
            }
            // a failover needs the sentinels to know each other (quorum, election) and the replicas
            await("the sentinels to discover each other and the replicas", Duration.ofSeconds(60), () -> {
                for (int port : set.sentinelPorts) {
                    List<String> m = set.sentinel(port, "SENTINEL", "MASTER", MASTER);
                    if (!"2".equals(field(m, "num-other-sentinels"))
                            || !Integer.toString(replicas).equals(field(m, "num-slaves"))) {
                        return false;
                    }
                }
                return true;
            });
            return set;
        } catch (Exception | AssertionError e) {
            set.close();
            throw e;
        }
    }

    private void startSentinel(int i, int primaryPort) throws Exception {
        Path d = dir.resolve("sentinel-" + i);
        if (Files.exists(d)) {
            try (var files = Files.walk(d)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(d);
        int port = RedisProcess.freePort();
        Path conf = d.resolve("sentinel.conf").toAbsolutePath();
        Files.writeString(conf, String.join("\n",
                "port " + port,
                "bind 127.0.0.1",
                "daemonize no",
                "dir " + d.toAbsolutePath(),
                "logfile " + d.resolve("sentinel.log").toAbsolutePath(),
                "sentinel monitor " + MASTER + " 127.0.0.1 " + primaryPort + " 2",
                "sentinel down-after-milliseconds " + MASTER + " 1000",
                "sentinel failover-timeout " + MASTER + " 4000",
                "sentinel parallel-syncs " + MASTER + " 2",
                sentinelPassword == null ? "" : "requirepass " + sentinelPassword,
                sentinelPassword == null ? "" : "sentinel sentinel-pass " + sentinelPassword, ""));
        Process p = new ProcessBuilder("redis-server", conf.toString(), "--sentinel").redirectErrorStream(true)
                .redirectOutput(d.resolve("sentinel.out").toFile()).start();
        sentinels.add(p);
        sentinelPorts.add(port);
        await("sentinel " + i + " to answer", Duration.ofSeconds(20), () -> {
            try {
                return List.of("PONG").equals(sentinel(port, "PING"));
            } catch (IOException e) {
                if (!p.isAlive()) {
                    throw new AssertionError("sentinel " + i + " exited; see " + d.resolve("sentinel.log"));
                }
                return false;
            }
        });
    }

    /** {@code redis-sentinel://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/0#wsshub}. */
    public String uri() {
        StringBuilder b = new StringBuilder("redis-sentinel://");
        for (int i = 0; i < sentinelPorts.size(); i++) {
            b.append(i == 0 ? "" : ",").append("127.0.0.1:").append(sentinelPorts.get(i));
        }
        return b.append("/0#").append(MASTER).toString();
    }

    /** The primary, the replicas: every data server started (dead ones included). */
    public List<RedisProcess> servers() {
        return servers;
    }

    /** The server the sentinels name as primary now. */
    public RedisProcess primary() throws IOException {
        List<String> addr = sentinel(sentinelPorts.get(0), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER);
        int port = Integer.parseInt(addr.get(1));
        return servers.stream().filter(s -> s.port() == port).findFirst().orElseThrow();
    }

    /** Waits until {@code primary} has {@code replicas} replicas online at its own replication offset. */
    public void awaitInSync(RedisProcess primary, int replicas, Duration timeout) throws Exception {
        await(replicas + " replicas in sync with " + primary.port(), timeout, () -> {
            String info = primary.query("INFO", "replication").get(0);
            long offset = Long.parseLong(infoField(info, "master_repl_offset"));
            int synced = 0;
            for (String line : info.split("\r?\n")) {
                if (line.matches("slave\\d+:.*") && line.contains("state=online")
                        && line.contains("offset=" + offset + ",")) {
                    synced++;
                }
            }
            return synced >= replicas;
        });
    }

    /** Waits until the sentinels name another primary than {@code old} and it answers as one. */
    public RedisProcess awaitNewPrimary(RedisProcess old, Duration timeout) throws Exception {
        RedisProcess[] now = new RedisProcess[1];
        await("a new primary", timeout, () -> {
            RedisProcess p = primary();
            if (p == old || !p.alive()) {
                return false;
            }
            List<String> role = p.query("ROLE");
            now[0] = p;
            return "master".equals(role.get(0));
        });
        return now[0];
    }

    private List<String> sentinel(int port, String... args) throws IOException {
        return sentinelPassword == null ? Resp.query(port, args) : Resp.query(port, sentinelPassword, args);
    }

    /**
     * The primary goes on taking writes no replica has: the replicas are frozen (SIGSTOP), and 32 MB of other
     * writes fill the sockets to them first, so what comes next stays in the primary's memory alone. Returns the
     * primary.
     */
    public RedisProcess freezeReplicas() throws Exception {
        RedisProcess primary = primary();
        for (RedisProcess r : servers) {
            if (r != primary) {
                r.signal("STOP");
            }
        }
        String mb = "x".repeat(1 << 20);
        for (int i = 0; i < 32; i++) {
            List<String> reply = primary.query("SET", "filler:" + i, mb);
            if (!List.of("OK").equals(reply)) {
                throw new AssertionError("SET filler:" + i + " answered " + reply);
            }
        }
        return primary;
    }

    /** kill -9 of {@code old} (the primary), then the frozen replicas thawed: the sentinels promote one. */
    public void killAndThaw(RedisProcess old) throws Exception {
        old.kill();
        for (RedisProcess r : servers) {
            if (r != old) {
                r.signal("CONT");
            }
        }
    }

    static List<String> query(int port, String... args) throws IOException {
        return Resp.query(port, args);
    }

    private static String field(List<String> kv, String name) {
        for (int i = 0; i + 1 < kv.size(); i += 2) {
            if (name.equals(kv.get(i))) {
                return kv.get(i + 1);
            }
        }
        return null;
    }

    private static String infoField(String info, String name) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new AssertionError("INFO has no " + name + ": " + info);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(String what, Duration timeout, Check check) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        Exception last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what
                + (last == null ? "" : " (last error: " + last + ")"));
    }

    @Override
    public void close() throws Exception {
        for (Process p : sentinels) {
            p.destroyForcibly().waitFor();
        }
        for (RedisProcess s : servers) {
            if (s.alive()) {
                try {
                    s.signal("CONT"); // a frozen one cannot answer SHUTDOWN
                } catch (Exception ignored) {
                    // it may have exited meanwhile
                }
                s.kill();
            }
        }
    }
}
