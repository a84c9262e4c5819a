package io.wsshub.ops;

import io.wsshub.engine.Engine;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * MicroProfile Health checks (Liberty's /health/live, /health/ready; /health/started is Liberty's own). Readiness
 * is UP only when the application has started, the TLS keystore loads, the engine works (for Redis: a PING and a
 * pub/sub round trip of a probe message within a second, checked every two seconds; DOWN only once it has failed
 * for health.engine.grace.seconds) and the node is not draining; each check is named in the answer, and says nothing secret. Liveness is UP unless the application's
 * scheduler stopped running its tasks (wedged): Redis is not part of it, so a Redis outage never restarts nodes.
 */
@ApplicationScoped
public class Health {

    @Inject
    Engine engine;
    @Inject
    Drain drain;
    @Inject
    io.wsshub.security.AcmeSettings tls;
    @Inject
    @ConfigProperty(name = "tls.keystore.password", defaultValue = "")
    String keystorePassword;
    /** How long the engine may be unreachable before readiness goes DOWN (a Redis hiccup must not flap it). */
    @Inject
    @ConfigProperty(name = "health.engine.grace.seconds", defaultValue = "10")
    int engineGraceSeconds;
    @Resource
    ManagedScheduledExecutorService scheduler;
    /** When the engine was first seen unreachable (System.nanoTime), 0 while it answers. */
    private final java.util.concurrent.atomic.AtomicLong engineDownSince = new java.util.concurrent.atomic.AtomicLong();

    private volatile boolean started;
    private volatile long lastTickNanos = System.nanoTime();
    private volatile boolean keystoreLoads;
    /** The keystore file's modification time and size when it was last loaded: it is loaded again on a change. */
    private long keystoreStamp = Long.MIN_VALUE;
    private java.util.concurrent.ScheduledFuture<?> ticks;

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object init) {
        started = true;
    }

    @PostConstruct
    void start() {
        checkKeystore(); // now, not at the first tick: a probe right after the start must not see it DOWN
        ticks = scheduler.scheduleWithFixedDelay(() -> {
            lastTickNanos = System.nanoTime();
            engineUnreachableNanos(); // the grace runs from the first tick that saw it, not from the next probe
            checkKeystore();
        }, 0, 2, TimeUnit.SECONDS);
        Metrics.gauge(Metrics.ENGINE_UP, () -> engine.up() ? 1 : 0, engine.kind());
    }

    @jakarta.annotation.PreDestroy
    void stop() {
        if (ticks != null) {
            ticks.cancel(false);
        }
    }

    /** Loads the keystore when its file is new or changed (a PKCS#12 load derives keys: not every 2 s for nothing). */
    private synchronized void checkKeystore() {
        java.io.File file = new java.io.File(tls.keystorePath());
        long stamp = file.lastModified() * 31 + file.length();
        if (stamp != keystoreStamp || !file.exists()) {
            keystoreLoads = keystoreLoads();
            keystoreStamp = stamp;
        }
    }

    private boolean keystoreLoads() {
        try (InputStream in = new FileInputStream(tls.keystorePath())) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, keystorePassword.toCharArray());
            return ks.size() > 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Produces
    @Readiness
    HealthCheck application() {
        return () -> HealthCheckResponse.named("application").status(started).build();
    }

    @Produces
    @Readiness
    HealthCheck keystore() {
        // While it is DOWN, a probe looks again itself: Liberty writes a generated keystore on its first start,
        // possibly after this bean's first look, and readiness must not wait for the next tick to see it.
        return () -> {
            if (!keystoreLoads) {
                checkKeystore();
            }
            return HealthCheckResponse.named("keystore").status(keystoreLoads).build();
        };
    }

    /** How long the engine has been unreachable (0 while it answers). */
    private long engineUnreachableNanos() {
        long now = System.nanoTime();
        if (engine.up()) {
            engineDownSince.set(0);
            return 0;
        }
        engineDownSince.compareAndSet(0, now);
        return Math.max(1, now - engineDownSince.get());
    }

    @Produces
    @Readiness
    HealthCheck engineCheck() {
        // DOWN only after health.engine.grace.seconds unreachable: one slow script or a fork for a snapshot on the
        // shared Redis would otherwise take every node out of the balancer at once
        return () -> {
            long down = engineUnreachableNanos();
            var b = HealthCheckResponse.named("engine").withData("kind", engine.kind());
            if (down > 0) {
                b.withData("unreachableSeconds", TimeUnit.NANOSECONDS.toSeconds(down));
            }
            return b.status(down == 0 || down < TimeUnit.SECONDS.toNanos(engineGraceSeconds)).build();
        };
    }

    @Produces
    @Readiness
    HealthCheck notDraining() {
        return () -> HealthCheckResponse.named("not-draining").status(!drain.draining()).build();
    }

    @Produces
    @Liveness
    HealthCheck scheduler() {
        return () -> HealthCheckResponse.named("scheduler")
                .status(System.nanoTime() - lastTickNanos < TimeUnit.SECONDS.toNanos(30)).build();
    }
}
