package io.wsshub.ops;

import io.wsshub.transport.Connections;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Draining this node before it is stopped (docs/operations.md): from the moment it starts the node is not ready
 * (the load balancer takes it out), refuses new WebSocket handshakes with 503, and — after a short pause that lets
 * the balancer see it — closes each open connection with 1012 "service restart" at a random moment within
 * drain.seconds, after what was queued for it has been written. Clients reconnect at once (through the balancer,
 * to another node) and resume. There is no way back but a restart: a drained node is about to be stopped.
 */
@ApplicationScoped
public class Drain {

    private static final Logger LOG = Logger.getLogger(Drain.class.getName());
    public static final int SERVICE_RESTART = 1012;

    @Inject
    Connections connections;
    @Inject
    @ConfigProperty(name = "drain.seconds", defaultValue = "10")
    int drainSeconds;
    /** Before the first close: a load balancer checking readiness every second has seen the node go. */
    @Inject
    @ConfigProperty(name = "drain.pause.seconds", defaultValue = "3")
    int pauseSeconds;
    @Resource
    ManagedScheduledExecutorService scheduler;

    private volatile Instant since;
    private volatile int toClose;

    @PostConstruct
    void start() {
        Metrics.gauge(Metrics.DRAINING, () -> since == null ? 0 : 1);
    }

    public boolean draining() {
        return since != null;
    }

    /** Starts draining (idempotent); returns the state. */
    public synchronized State drain() {
        if (since == null) {
            since = Instant.now();
            var open = connections.openConnections();
            toClose = open.size();
            long pause = TimeUnit.SECONDS.toMillis(pauseSeconds);
            long spread = Math.max(1, TimeUnit.SECONDS.toMillis(drainSeconds) - pause);
            for (var c : open) {
                long at = pause + ThreadLocalRandom.current().nextLong(spread); // jitter: not all clients at once
                scheduler.schedule(() -> c.outbox().close(SERVICE_RESTART, "service restart"), at,
                        TimeUnit.MILLISECONDS);
            }
            LOG.warning(() -> "drain: node not ready, new websockets refused with 503, " + toClose
                    + " open websockets closing with 1012 within " + drainSeconds + " s");
        }
        return state();
    }

    public State state() {
        Instant s = since;
        return new State(s != null, s == null ? null : s.toString(), drainSeconds, connections.openCount());
    }

    /** {@code GET/POST /api/admin/drain}'s answer. */
    public record State(boolean draining, String since, int drainSeconds, int openConnections) {
    }
}
