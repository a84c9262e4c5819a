package io.wsshub.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Prometheus text: every family has HELP and TYPE, histograms are cumulative and end with +Inf. */
class MetricsTest {

    @Test
    void countersGaugesAndHistogramsInTheTextFormat() {
        // labels of their own: the registry is shared by every test of this JVM
        Metrics.inc(Metrics.CLOSES, "4999");
        Metrics.inc(Metrics.CLOSES, "4999");
        Metrics.gauge(Metrics.DRAINING, () -> 0);
        Metrics.observe(Metrics.ENGINE_LATENCY, 0.003, "metrics-test");
        Metrics.observe(Metrics.ENGINE_LATENCY, 0.2, "metrics-test");
        String text = Metrics.scrape();
        assertTrue(text.contains("# TYPE wsshub_closes_total counter\n"), text);
        assertTrue(text.contains("wsshub_closes_total{code=\"4999\"} 2\n"), text);
        assertTrue(text.contains("wsshub_draining 0\n"), text);
        assertTrue(text.contains("wsshub_engine_command_seconds_bucket{command=\"metrics-test\",le=\"0.005\"} 1\n"), text);
        assertTrue(text.contains("wsshub_engine_command_seconds_bucket{command=\"metrics-test\",le=\"0.25\"} 2\n"), text);
        assertTrue(text.contains("wsshub_engine_command_seconds_bucket{command=\"metrics-test\",le=\"+Inf\"} 2\n"), text);
        assertTrue(text.contains("wsshub_engine_command_seconds_count{command=\"metrics-test\"} 2\n"), text);
    }
}
