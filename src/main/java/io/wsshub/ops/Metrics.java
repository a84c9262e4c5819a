package io.wsshub.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * The application's metrics, written in the Prometheus text format (0.0.4) at {@code /metrics}
 * (docs/operations.md has the list). Counters and histograms are lock-free adders; a gauge is read when scraped.
 * One static registry: the transport classes that count are not CDI beans, and a scrape reads one consistent set.
 */
public final class Metrics {

    /** Latency buckets in seconds: 1 ms to 10 s. */
    static final double[] SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private record Family(String name, String type, String help, String[] labels) {
    }

    private static final Map<String, Family> FAMILIES = new ConcurrentHashMap<>();
    /** family -> label values joined by \u0000 -> counter */
    private static final Map<String, Map<String, LongAdder>> COUNTERS = new ConcurrentHashMap<>();
    private static final Map<String, Map<String, Histogram>> HISTOGRAMS = new ConcurrentHashMap<>();
    private static final Map<String, Map<String, DoubleSupplier>> GAUGES = new ConcurrentHashMap<>();

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
    public static final String HISTORY_SHED = family("wsshub_history_shed_total", "counter",
            "Times the memory engine went over chat.history.total.bytes and evicted a room nobody was in "
            + "(room_evicted) or halved a room's history (history_halved).", "how");
    public static final String DRAINING = family("wsshub_draining", "gauge",
            "1 while this node drains (refuses new sockets, closes open ones with 1012).");

    private Metrics() {
    }

    private static String family(String name, String type, String help, String... labels) {
        FAMILIES.put(name, new Family(name, type, help, labels));
        return name;
    }

    private static String key(String... values) {
        return String.join("\u0000", values);
    }

    public static void inc(String family, String... labels) {
        counter(family, labels).increment();
    }

    public static void add(String family, long n, String... labels) {
        counter(family, labels).add(n);
    }

    /** The counter itself, for a hot path to look up once and keep (no label key built per increment). */
    public static LongAdder counter(String family, String... labels) {
        return COUNTERS.computeIfAbsent(family, f -> new ConcurrentHashMap<>())
                .computeIfAbsent(key(labels), k -> new LongAdder());
    }

    public static long count(String family, String... labels) {
        Map<String, LongAdder> m = COUNTERS.get(family);
        LongAdder a = m == null ? null : m.get(key(labels));
        return a == null ? 0 : a.sum();
    }

    public static void observe(String family, double seconds, String... labels) {
        histogram(family, labels).observe(seconds);
    }

    /** The histogram itself, for a hot path to look up once and keep. */
    public static Histogram histogram(String family, String... labels) {
        return HISTOGRAMS.computeIfAbsent(family, f -> new ConcurrentHashMap<>())
                .computeIfAbsent(key(labels), k -> new Histogram());
    }

    /** A gauge read at every scrape (replaces an earlier one with the same labels: an application restart). */
    public static void gauge(String family, DoubleSupplier value, String... labels) {
        GAUGES.computeIfAbsent(family, f -> new ConcurrentHashMap<>()).put(key(labels), value);
    }

    /** Cumulative buckets of {@link #SECONDS}, a count and a sum. */
    public static final class Histogram {
        final LongAdder[] buckets = new LongAdder[SECONDS.length];
        final LongAdder count = new LongAdder();
        final DoubleAdder sum = new DoubleAdder();

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        public void observe(double v) {
            for (int i = 0; i < SECONDS.length; i++) {
                if (v <= SECONDS[i]) {
                    buckets[i].increment();
                    break;
                }
            }
            count.increment();
            sum.add(v);
        }
    }

    /** Everything, in the Prometheus text exposition format. */
    public static String scrape() {
        StringBuilder out = new StringBuilder(4096);
        for (Family f : new TreeMap<>(FAMILIES).values()) {
            out.append("# HELP ").append(f.name).append(' ').append(f.help).append('\n');
            out.append("# TYPE ").append(f.name).append(' ').append(f.type).append('\n');
            switch (f.type) {
                case "counter" -> COUNTERS.getOrDefault(f.name, Map.of()).entrySet().stream()
                        .sorted(Map.Entry.comparingByKey())
                        .forEach(e -> line(out, f.name, f.labels, e.getKey(), null, e.getValue().sum()));
                case "gauge" -> GAUGES.getOrDefault(f.name, Map.of()).entrySet().stream()
                        .sorted(Map.Entry.comparingByKey())
                        .forEach(e -> line(out, f.name, f.labels, e.getKey(), null, e.getValue().getAsDouble()));
                default -> HISTOGRAMS.getOrDefault(f.name, Map.of()).entrySet().stream()
                        .sorted(Map.Entry.comparingByKey()).forEach(e -> {
                            Histogram h = e.getValue();
                            long cumulative = 0;
                            for (int i = 0; i < SECONDS.length; i++) {
                                cumulative += h.buckets[i].sum();
                                line(out, f.name + "_bucket", f.labels, e.getKey(), fmt(SECONDS[i]), cumulative);
                            }
                            line(out, f.name + "_bucket", f.labels, e.getKey(), "+Inf", h.count.sum());
                            line(out, f.name + "_sum", f.labels, e.getKey(), null, h.sum.sum());
                            line(out, f.name + "_count", f.labels, e.getKey(), null, h.count.sum());
                        });
            }
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String name, String[] labels, String key, String le, double v) {
        out.append(name);
        List<String> pairs = new ArrayList<>();
        String[] values = key.isEmpty() && labels.length == 0 ? new String[0] : key.split("\u0000", -1);
        for (int i = 0; i < labels.length && i < values.length; i++) {
            pairs.add(labels[i] + "=\"" + escape(values[i]) + "\"");
        }
        if (le != null) {
            pairs.add("le=\"" + le + "\"");
        }
        if (!pairs.isEmpty()) {
            out.append('{').append(String.join(",", pairs)).append('}');
        }
        out.append(' ').append(fmt(v)).append('\n');
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
