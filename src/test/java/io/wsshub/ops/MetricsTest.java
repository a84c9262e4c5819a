package io.wsshub.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The Prometheus text from Micrometer's registry: the wsshub_ names as before, histograms in their buckets, the
 * JVM's and the process's meters, and no label value a client chooses (review item 16).
 */
class MetricsTest {

    @Test
    void countersGaugesAndHistogramsInTheTextFormatWithTheJvmsMeters() {
        // labels of their own: the registry is shared by every test of this JVM
        Metrics.inc(Metrics.MESSAGES_DROPPED, "metrics-test");
        Metrics.inc(Metrics.MESSAGES_DROPPED, "metrics-test");
        Metrics.gauge(Metrics.DRAINING, () -> 0);
        Metrics.observe(Metrics.ENGINE_LATENCY, 0.003, "metrics-test");
        Metrics.observe(Metrics.ENGINE_LATENCY, 0.2, "metrics-test");
        String text = Metrics.scrape();
        assertTrue(text.contains("# TYPE wsshub_messages_dropped_total counter\n"), text);
        assertTrue(text.contains("wsshub_messages_dropped_total{reason=\"metrics-test\"} 2"), text);
        assertTrue(text.contains("wsshub_draining 0"), text);
        assertTrue(text.contains("wsshub_engine_command_seconds_bucket{command=\"metrics-test\",le=\"0.005\"} 1"), text);
        assertTrue(text.contains("wsshub_engine_command_seconds_bucket{command=\"metrics-test\",le=\"0.25\"} 2"), text);
        assertTrue(text.contains("wsshub_engine_command_seconds_bucket{command=\"metrics-test\",le=\"+Inf\"} 2"), text);
        assertTrue(text.contains("wsshub_engine_command_seconds_count{command=\"metrics-test\"} 2"), text);
        for (String jvm : new String[] {"jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_gc_",
                "process_cpu_usage", "system_cpus", "process_files_open_files", "process_uptime_seconds"}) {
            assertTrue(text.contains(jvm), jvm + " in " + text);
        }
        assertTrue(!text.contains("process_cpu_time_ns") && !text.contains("system_cpu_count"), "names promtool refuses");
    }

    @Test
    void aCloseCodeAClientChoseIsCountedInAFixedSetOfLabels() {
        assertEquals("1000", Metrics.closeCode(1000));
        assertEquals("1013", Metrics.closeCode(1013));
        assertEquals("4xxx", Metrics.closeCode(4999));
        assertEquals("4xxx", Metrics.closeCode(4000));
        assertEquals("3xxx", Metrics.closeCode(3123));
        assertEquals("other", Metrics.closeCode(2000));
        assertEquals("other", Metrics.closeCode(1004));
        java.util.Set<String> labels = new java.util.HashSet<>();
        for (int code = 0; code < 70_000; code++) {
            labels.add(Metrics.closeCode(code));
        }
        assertTrue(labels.size() <= 18, "a bounded set of series: " + labels);
    }
}
