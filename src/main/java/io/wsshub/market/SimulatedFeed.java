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
 * market.feed.enabled=false; real prices come through POST /api/quotes.
 */
@ApplicationScoped
public class SimulatedFeed {

    private static final Logger LOG = Logger.getLogger(SimulatedFeed.class.getName());

    @Inject
    MarketSettings settings;
    @Inject
    MarketService market;
    @Resource
    ManagedScheduledExecutorService scheduler;

    private ScheduledFuture<?> task;
    private List<String> symbols;

    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        if (!settings.feedEnabled()) {
            return;
        }
        symbols = settings.feedSymbols();
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (String s : symbols) {
            market.update(s, BigDecimal.valueOf(20 + r.nextInt(480) + r.nextInt(100) / 100.0).setScale(2,
                    RoundingMode.HALF_UP));
        }
        long periodMicros = 1_000_000L / Math.max(1, settings.ticksPerSecond());
        task = scheduler.scheduleAtFixedRate(this::tick, periodMicros, periodMicros, TimeUnit.MICROSECONDS);
        LOG.info(() -> "simulated feed: " + symbols.size() + " symbols at " + settings.ticksPerSecond()
                + " ticks/s each");
    }

    /** Every symbol moves by up to ±0.1 %, never below 0.01. */
    void tick() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (String s : symbols) {
            BigDecimal last = market.price(s);
            if (last == null) {
                continue;
            }
            BigDecimal step = last.multiply(BigDecimal.valueOf(r.nextInt(-100, 101), 5));
            BigDecimal next = last.add(step).setScale(2, RoundingMode.HALF_UP).max(new BigDecimal("0.01"));
            market.update(s, next);
        }
    }

    @PreDestroy
    void stop() {
        if (task != null) {
            task.cancel(false);
        }
    }
}
