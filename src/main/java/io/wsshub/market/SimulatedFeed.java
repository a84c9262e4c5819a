package io.wsshub.market;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A random walk over the configured symbols (market.feed.*), so the demo ticks out of the box. Off with
 * market.feed.enabled=false; real prices come through POST /api/quotes. In a cluster it runs on the one node
 * that holds the engine's feed lease (another takes over within seconds when that node dies).
 */
@ApplicationScoped
public class SimulatedFeed {

    private static final Logger LOG = Logger.getLogger(SimulatedFeed.class.getName());

    @Inject
    MarketSettings settings;
    @Inject
    MarketService market;
    @Inject
    io.wsshub.engine.Engine engine;
    @Resource
    ManagedScheduledExecutorService scheduler;

    private ScheduledFuture<?> task;
    private List<String> symbols;

    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        if (!settings.feedEnabled()) {
            return;
        }
        symbols = settings.feedSymbols();
        tick(); // the first prices at once (where this node holds the lease: always on the memory engine)
        long periodMicros = 1_000_000L / Math.max(1, settings.ticksPerSecond());
        task = scheduler.scheduleAtFixedRate(this::tick, periodMicros, periodMicros, TimeUnit.MICROSECONDS);
        LOG.info(() -> "simulated feed: " + symbols.size() + " symbols at " + settings.ticksPerSecond()
                + " ticks/s each");
    }

    /** Every symbol moves by up to ±0.1 %, never below 0.01; a symbol without a price yet gets one. */
    void tick() {
        if (!engine.quotes().holdsFeedLease()) {
            return;
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (String s : symbols) {
            BigDecimal last = market.price(s);
            BigDecimal next;
            if (last == null) {
                next = BigDecimal.valueOf(20 + r.nextInt(480) + r.nextInt(100) / 100.0).setScale(2,
                        RoundingMode.HALF_UP);
            } else {
                BigDecimal step = last.multiply(BigDecimal.valueOf(r.nextInt(-100, 101), 5));
                next = last.add(step).setScale(2, RoundingMode.HALF_UP).max(new BigDecimal("0.01"));
            }
            market.update(s, next); // a failure (Redis down) just skips this tick
        }
    }

    @PreDestroy
    void stop() {
        if (task != null) {
            task.cancel(false);
        }
    }
}
