package io.wsshub.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Prometheus text: every family has HELP and TYPE, histograms are cumulative and end with +Inf. */
class MetricsTest {

    @Test
    void countersGaugesAndHistogramsInTheTextFormat() {
        Metrics.inc(Metrics.CLOSES, "1000");
        Metrics.inc(Metrics.CLOSES, "1000");
        Metrics.gauge(Metrics.DRAINING, () -> 0);
        Metrics.observe(Metrics.DELIVERY_LATENCY, 0.003);
        Metrics.observe(Metrics.DELIVERY_LATENCY, 0.2);
        String text = Metrics.scrape();
        assertTrue(text.contains("# TYPE wsshub_closes_total counter\n"), text);
        assertTrue(text.contains("wsshub_closes_total{code=\"1000\"} 2\n"), text);
        assertTrue(text.contains("wsshub_draining 0\n"), text);
        assertTrue(text.contains("wsshub_delivery_latency_seconds_bucket{le=\"0.005\"} 1\n"), text);
        assertTrue(text.contains("wsshub_delivery_latency_seconds_bucket{le=\"0.25\"} 2\n"), text);
        assertTrue(text.contains("wsshub_delivery_latency_seconds_bucket{le=\"+Inf\"} 2\n"), text);
        assertTrue(text.contains("wsshub_delivery_latency_seconds_count 2\n"), text);
    }
}
