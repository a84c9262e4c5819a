package io.wsshub.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/**
 * The review's finding: on Redis a room's history was bounded by count only (1000 × 8 KB) and there was no cap on
 * rooms at all (with noeviction a full Redis refuses every write of the cluster). Now chat.history.max.bytes per
 * room and chat.max.rooms over the cluster, in the scripts, on a real redis-server (./test installs it).
 */
class RedisRoomLimitsTest {

    @Test
    void historyIsBoundedByBytesAndANewRoomPastTheCapIsRefused() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(2);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
        String text = "x".repeat(500);
        long cost = "alice".length() + text.length() + "2026-12-06T00:00:00.000Z".length() + 64; // as publish.lua
        try (RedisProcess redis = RedisProcess.empty(Path.of("target", "room-limits-test", "redis"))) {
            redis.start();
            RedisEngine engine = new RedisEngine("limits-test", redis.uri(), "", 1000, 5 * cost, 3, 30_000, 100, 3600,
                    Duration.ofSeconds(5), 1000, executor, scheduler);
            try {
                engine.start();
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (true) { // connected and answering
                    try {
                        engine.broker().position("probe").toCompletableFuture().get();
                        break;
                    } catch (Exception e) {
                        assertTrue(System.nanoTime() < deadline, "the engine did not connect: " + e);
                        Thread.sleep(100);
                    }
                }
                for (int i = 0; i < 20; i++) {
                    engine.broker().publish("a", "alice", text, "2026-12-06T00:00:00.000Z", null)
                            .toCompletableFuture().join();
                }
                List<Broker.StoredMessage> kept = engine.broker().range("a", 0, 20).toCompletableFuture().join();
                assertEquals(5, kept.size(), "the newest that fit in chat.history.max.bytes");
                assertEquals(20, kept.get(4).id());
                assertEquals(Long.toString(5 * cost), redis.command("HGET wsshub:{r:a}:m b"));

                engine.broker().publish("b", "alice", "hi", "2026-12-06T00:00:00.000Z", null).toCompletableFuture().join();
                engine.presence().join("c", "n/1", "bob", -1, null, 10).toCompletableFuture().join();
                CompletionException refused = assertThrows(CompletionException.class, () -> engine.broker()
                        .publish("d", "alice", "hi", "2026-12-06T00:00:00.000Z", null).toCompletableFuture().join());
                assertInstanceOf(TooManyRooms.class, refused.getCause());
                CompletionException notJoined = assertThrows(CompletionException.class, () -> engine.presence()
                        .join("d", "n/2", "bob", -1, null, 10).toCompletableFuture().join());
                assertInstanceOf(TooManyRooms.class, notJoined.getCause());
                assertEquals("$-1", redis.command("HGET wsshub:{r:d}:m e"), "nothing of room d was written (nil)");
                engine.broker().publish("a", "alice", "still", "2026-12-06T00:00:00.000Z", null)
                        .toCompletableFuture().join(); // the rooms that exist go on

                // a user's hourly quota, counted in Redis over the cluster: bytes of messages and new rooms
                UserQuota quota = new UserQuota(25, 0);
                engine.broker().publish("a", "carol", "0123456789", "2026-12-06T00:00:00.000Z", "q1", null, quota)
                        .toCompletableFuture().join();
                engine.broker().publish("a", "carol", "0123456789", "2026-12-06T00:00:00.000Z", "q2", null, quota)
                        .toCompletableFuture().join();
                assertTrue(engine.broker().publish("a", "carol", "0123456789", "2026-12-06T00:00:00.000Z", "q1", null,
                        quota).toCompletableFuture().join().duplicate(), "a retry is answered, and not counted");
                CompletionException over = assertThrows(CompletionException.class, () -> engine.broker()
                        .publish("a", "carol", "0123456789", "2026-12-06T00:00:00.000Z", "q3", null, quota)
                        .toCompletableFuture().join());
                assertInstanceOf(QuotaExceeded.class, over.getCause());
                engine.broker().publish("a", "carol", "unmetered", "2026-12-06T00:00:00.000Z", null)
                        .toCompletableFuture().join(); // the server API's publish
                CompletionException noRoom = assertThrows(CompletionException.class, () -> engine.presence()
                        .join("b2", "n/3", "carol", -1, null, 10, 100, null, quota).toCompletableFuture().join());
                assertInstanceOf(QuotaExceeded.class, noRoom.getCause(), "a new room past her rooms per hour");
                assertEquals("$-1", redis.command("HGET wsshub:{r:b2}:m e"), "nothing of room b2 was written");
            } finally {
                engine.close();
            }
        } finally {
            executor.shutdownNow();
            scheduler.shutdownNow();
        }
    }
}
