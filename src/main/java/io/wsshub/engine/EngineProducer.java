package io.wsshub.engine;

import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Chooses the engine from liberty/server.xml: {@code redis.uri} empty (the default) is the memory engine of a
 * single server; a {@code redis://}, {@code rediss://} or {@code redis-sentinel://} URI makes this server a node
 * of the cluster on that Redis. One engine (one Redis client) per application, closed when the application stops.
 */
@ApplicationScoped
public class EngineProducer {

    private static final Logger LOG = Logger.getLogger(EngineProducer.class.getName());

    @Inject
    @ConfigProperty(name = "redis.uri")
    Optional<String> redisUri;
    @Inject
    @ConfigProperty(name = "redis.password")
    Optional<String> redisPassword;
    @Inject
    @ConfigProperty(name = "redis.sentinel.password")
    Optional<String> sentinelPassword;
    @Inject
    @ConfigProperty(name = "redis.ack.replicas", defaultValue = "0")
    int ackReplicas;
    @Inject
    @ConfigProperty(name = "redis.ack.timeout.ms", defaultValue = "1000")
    int ackTimeoutMillis;
    @Inject
    @ConfigProperty(name = "node.name")
    Optional<String> nodeName;
    @Inject
    @ConfigProperty(name = "chat.history.size", defaultValue = "1000")
    int historySize;
    @Inject
    @ConfigProperty(name = "presence.ttl.seconds", defaultValue = "30")
    int presenceTtlSeconds;
    @Inject
    @ConfigProperty(name = "presence.list.max", defaultValue = "100")
    int presenceListMax;
    @Inject
    @ConfigProperty(name = "chat.room.ttl.days", defaultValue = "7")
    int roomTtlDays;
    @Inject
    @ConfigProperty(name = "chat.max.rooms", defaultValue = "10000")
    int maxRooms;
    @Inject
    @ConfigProperty(name = "chat.room.idle.minutes", defaultValue = "60")
    int roomIdleMinutes;
    @Inject
    @ConfigProperty(name = "redis.timeout.ms", defaultValue = "2000")
    int redisTimeoutMillis;
    @Inject
    @ConfigProperty(name = "redis.queue.max", defaultValue = "10000")
    int redisQueueMax;
    @Inject
    @ConfigProperty(name = "chat.history.max.bytes", defaultValue = "1048576")
    long historyMaxBytes;
    @Inject
    @ConfigProperty(name = "chat.history.total.bytes", defaultValue = "268435456")
    long historyTotalBytes;

    @Resource
    ManagedExecutorService executor;
    @Resource
    ManagedScheduledExecutorService scheduler;

    private ScheduledFuture<?> eviction;

    @Produces
    @ApplicationScoped
    Engine engine() {
        String node = nodeName.filter(s -> !s.isBlank()).map(String::trim).orElseGet(EngineProducer::generatedName);
        String uri = redisUri.map(String::trim).orElse("");
        if (uri.isEmpty()) {
            MemoryEngine memory = new MemoryEngine(node, historySize, maxRooms,
                    TimeUnit.MINUTES.toMillis(roomIdleMinutes), System::currentTimeMillis, presenceListMax,
                    new HistoryBudget(historyMaxBytes, historyTotalBytes));
            eviction = scheduler.scheduleWithFixedDelay(memory::evictIdle, 1, 1, TimeUnit.MINUTES);
            LOG.info(() -> "engine: memory (one server; set redis.uri for a cluster), node " + node);
            return memory;
        }
        RedisEngine redis = new RedisEngine(node, uri, redisPassword.orElse(""), historySize, historyMaxBytes, maxRooms,
                TimeUnit.SECONDS.toMillis(presenceTtlSeconds), presenceListMax, TimeUnit.DAYS.toSeconds(roomTtlDays),
                Duration.ofMillis(redisTimeoutMillis), redisQueueMax, executor, scheduler,
                new RedisEngine.Replication(Math.max(0, ackReplicas), Duration.ofMillis(ackTimeoutMillis),
                        sentinelPassword.orElse("")));
        redis.start();
        LOG.info(() -> "engine: redis, node " + node);
        return redis;
    }

    void close(@Disposes Engine engine) {
        if (eviction != null) {
            eviction.cancel(false);
        }
        engine.close();
    }

    /** Unique per start, so two nodes (or two lives of one) never share presence entries. */
    private static String generatedName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "node";
        }
        return host + "-" + Long.toString(new SecureRandom().nextLong() >>> 28, 36);
    }
}
