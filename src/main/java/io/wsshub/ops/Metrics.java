package io.wsshub.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * The application's metrics at {@code /metrics} (docs/operations.md has the list), kept in Micrometer's Prometheus
 * registry, which also carries the JVM's and the process's meters (heap, GC, threads, classes, CPU, file
 * descriptors, uptime) and writes a consistent text exposition. One static registry: the transport classes that
 * count are not CDI beans. Label values are chosen by the server, never by a client: a close code is one of
 * {@link #closeCode} 's fixed set.
 */
public final class Metrics {

    /** Latency buckets in seconds: 1 ms to 10 s. */
    static final double[] SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private enum Kind { COUNTER, GAUGE, HISTOGRAM }

    /** A family: its Prometheus name, what Micrometer calls it, its help and its label names. */
    private record Family(String name, String meter, Kind kind, String help, String[] labels) {
    }

    private static final Map<String, Family> FAMILIES = new ConcurrentHashMap<>();
    private static final PrometheusMeterRegistry REGISTRY = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** The gauges' current suppliers, by family and labels: a later gauge() replaces one (an application restart). */
    private static final Map<String, DoubleSupplier> GAUGES = new ConcurrentHashMap<>();
    /** The meters already registered, by family and labels: an increment looks one up, it builds no meter id. */
    private static final Map<String, Counter> COUNTERS = new ConcurrentHashMap<>();
    private static final Map<String, Histogram> HISTOGRAMS = new ConcurrentHashMap<>();
    private static final Duration[] BUCKETS = new Duration[SECONDS.length];
    private static final JvmGcMetrics GC = new JvmGcMetrics();

    static {
        for (int i = 0; i < SECONDS.length; i++) {
            BUCKETS[i] = Duration.ofNanos((long) (SECONDS[i] * 1e9));
        }
        // two of ProcessorMetrics' names that promtool's lint refuses ("_ns", and "_count" on a gauge): the CPU
        // time in nanoseconds goes (process_cpu_usage stays), the CPU count is called system_cpus
        REGISTRY.config().meterFilter(io.micrometer.core.instrument.config.MeterFilter.denyNameStartsWith(
                "process.cpu.time")).meterFilter(new io.micrometer.core.instrument.config.MeterFilter() {
                    @Override
                    public io.micrometer.core.instrument.Meter.Id map(io.micrometer.core.instrument.Meter.Id id) {
                        return "system.cpu.count".equals(id.getName()) ? id.withName("system.cpus") : id;
                    }
                });
        new JvmMemoryMetrics().bindTo(REGISTRY);
        GC.bindTo(REGISTRY);
        new JvmThreadMetrics().bindTo(REGISTRY);
        new ClassLoaderMetrics().bindTo(REGISTRY);
        new ProcessorMetrics().bindTo(REGISTRY);
        new FileDescriptorMetrics().bindTo(REGISTRY);
        new UptimeMetrics().bindTo(REGISTRY);
    }

    // ---- the metrics ---------------------------------------------------------------------------------------

    public static final String CONNECTIONS = family("wsshub_connections", "gauge",
            "Open WebSocket connections on this node, by endpoint.", "endpoint");
    public static final String HANDSHAKES_REFUSED = family("wsshub_handshakes_refused_total", "counter",
            "Connections refused at the handshake or right after it, by reason.", "reason");
    public static final String MESSAGES_RECEIVED = family("wsshub_messages_received_total", "counter",
            "Whole messages received from clients, by endpoint.", "endpoint");
    public static final String MESSAGES_DELIVERED = family("wsshub_messages_delivered_total", "counter",
            "Messages written to clients (a batch counts each message in it), by endpoint.", "endpoint");
    public static final String MESSAGES_DROPPED = family("wsshub_messages_dropped_total", "counter",
            "Messages not accepted or not delivered, by reason.", "reason");
    public static final String CLOSES = family("wsshub_closes_total", "counter",
            "Closed WebSocket connections, by close code.", "code");
    public static final String QUEUE_OVERFLOWS = family("wsshub_outbound_queue_overflows_total", "counter",
            "Connections closed because their outbound queue overflowed (1013).");
    public static final String QUOTES_CONFLATED = family("wsshub_quotes_conflated_total", "counter",
            "Quotes replaced by a newer quote of the same symbol before a slow connection read them.");
    public static final String DELIVERY_LATENCY = family("wsshub_delivery_latency_seconds", "histogram",
            "From a chat message's acceptance by the server to the completed write to a client.");
    public static final String ENGINE_LATENCY = family("wsshub_engine_command_seconds", "histogram",
            "Latency of the engine's commands (Redis round trips on the redis engine), by command.", "command");
    public static final String ENGINE_UP = family("wsshub_engine_up", "gauge",
            "1 while the engine works (for Redis: commands and a pub/sub round trip answer), else 0.", "engine");
    public static final String LOGIN_FAILURES = family("wsshub_login_failures_total", "counter",
            "Failed password checks (form or HTTP Basic).");
    public static final String LOGIN_LOCKED = family("wsshub_login_lockouts_total", "counter",
            "Password checks refused with 429 during a brute-force lock-out.");
    public static final String GAME_MATCHES_STARTED = family("wsshub_game_matches_started_total", "counter",
            "Connect Four matches made by this node's matchmaking calls.");
    public static final String GAME_MATCHES_ENDED = family("wsshub_game_matches_ended_total", "counter",
            "Connect Four matches ended by a write of this node, by reason.", "reason");
    public static final String GAME_CONFLICTS = family("wsshub_game_write_conflicts_total", "counter",
            "Match writes of this node that found the match changed by another write first (compare-and-set).");
    public static final String ENGINE_ROLLBACKS = family("wsshub_engine_rollbacks_total", "counter",
            "Stores found to have lost writes this node had seen acknowledged (a Redis restarted from an older file or "
            + "failed over to a lagging replica), by feature (chat, market, game).", "feature");
    public static final String ENGINE_FAILOVERS = family("wsshub_engine_failovers_total", "counter",
            "Times this node found the Redis primary at another address when it reconnected (a Sentinel failover).");
    public static final String HISTORY_SHED = family("wsshub_history_shed_total", "counter",
            "Times the memory engine went over chat.history.total.bytes and evicted a room nobody was in "
            + "(room_evicted) or halved a room's history (history_halved).", "how");
    public static final String DRAINING = family("wsshub_draining", "gauge",
            "1 while this node drains (refuses new sockets, closes open ones with 1012).");

    /** Close codes as the closes counter labels them: the known ones, else their class (clients choose codes). */
    private static final Set<Integer> KNOWN_CLOSES = Set.of(1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010,
            1011, 1012, 1013, 1014, 1015);

    public static String closeCode(int code) {
        if (KNOWN_CLOSES.contains(code)) {
            return Integer.toString(code);
        }
        return code >= 3000 && code <= 3999 ? "3xxx" : code >= 4000 && code <= 4999 ? "4xxx" : "other";
    }

    private Metrics() {
    }

    private static String family(String name, String type, String help, String... labels) {
        Kind kind = switch (type) {
            case "counter" -> Kind.COUNTER;
            case "gauge" -> Kind.GAUGE;
            default -> Kind.HISTOGRAM;
        };
        // Micrometer adds "_total" to counters and the base unit "_seconds" to timers in the Prometheus names
        String meter = kind == Kind.COUNTER ? strip(name, "_total") : kind == Kind.HISTOGRAM ? strip(name, "_seconds")
                : name;
        FAMILIES.put(name, new Family(name, meter.replace('_', '.'), kind, help, labels));
        return name;
    }

    private static String strip(String name, String suffix) {
        if (!name.endsWith(suffix)) {
            throw new IllegalArgumentException(name + " must end with " + suffix);
        }
        return name.substring(0, name.length() - suffix.length());
    }

    private static Tags tags(Family f, String... values) {
        if (values.length != f.labels().length) {
            throw new IllegalArgumentException(f.name() + " takes labels " + String.join(",", f.labels()));
        }
        Tags t = Tags.empty();
        for (int i = 0; i < values.length; i++) {
            t = t.and(f.labels()[i], values[i]);
        }
        return t;
    }

    public static void inc(String family, String... labels) {
        counter(family, labels).increment();
    }

    public static void add(String family, long n, String... labels) {
        counter(family, labels).increment(n);
    }

    /** The counter itself, for a hot path to look up once and keep. */
    public static Counter counter(String family, String... labels) {
        return COUNTERS.computeIfAbsent(key(family, labels), k -> {
            Family f = FAMILIES.get(family);
            return Counter.builder(f.meter()).description(f.help()).tags(tags(f, labels)).register(REGISTRY);
        });
    }

    private static String key(String family, String... labels) {
        return labels.length == 0 ? family : family + "\u0000" + String.join("\u0000", labels);
    }

    public static long count(String family, String... labels) {
        return (long) counter(family, labels).count();
    }

    public static void observe(String family, double seconds, String... labels) {
        histogram(family, labels).observe(seconds);
    }

    /** The histogram itself, for a hot path to look up once and keep. */
    public static Histogram histogram(String family, String... labels) {
        return HISTOGRAMS.computeIfAbsent(key(family, labels), k -> {
            Family f = FAMILIES.get(family);
            return new Histogram(Timer.builder(f.meter()).description(f.help()).tags(tags(f, labels))
                    .serviceLevelObjectives(BUCKETS).register(REGISTRY));
        });
    }

    /** A gauge read at every scrape (replaces an earlier one with the same labels: an application restart). */
    public static void gauge(String family, DoubleSupplier value, String... labels) {
        Family f = FAMILIES.get(family);
        String key = key(family, labels);
        if (GAUGES.put(key, value) == null) {
            Gauge.builder(f.meter(), () -> GAUGES.get(key).getAsDouble()).description(f.help())
                    .tags(tags(f, labels)).strongReference(true).register(REGISTRY);
        }
    }

    /** Latencies in seconds, into the {@link #SECONDS} buckets. */
    public static final class Histogram {
        private final Timer timer;

        Histogram(Timer timer) {
            this.timer = timer;
        }

        public void observe(double seconds) {
            timer.record((long) (seconds * 1e9), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The application stops: the GC meter's listeners on the JVM's collectors go (they would keep this class loader,
     * and count into a dead registry, after a redeploy).
     */
    static void close() {
        GC.close();
    }

    /** Everything, in the Prometheus text exposition format (0.0.4). */
    public static String scrape() {
        return REGISTRY.scrape();
    }
}
