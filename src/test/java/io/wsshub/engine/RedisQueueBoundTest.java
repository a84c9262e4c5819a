package io.wsshub.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/**
 * The review's finding: while Redis is slow, every command waits in Lettuce's queue until it times out, and that
 * queue had no bound. With redis.queue.max the commands past it are refused at once, as unavailable. A real
 * redis-server, frozen with SIGSTOP (./test installs it).
 */
class RedisQueueBoundTest {

    @Test
    void commandsPastTheQueueBoundAreRefusedAtOnceWhileRedisIsFrozen() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(2);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
        try (RedisProcess redis = RedisProcess.empty(Path.of("target", "queue-bound-test", "redis"))) {
            redis.start();
            RedisEngine engine = new RedisEngine("queue-test", redis.uri(), "", 100, 1 << 20, 1000, 30_000, 100, 3600,
                    Duration.ofSeconds(10), 10, executor, scheduler);
            try {
                engine.start();
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (!answers(engine)) { // connected and answering
                    assertTrue(System.nanoTime() < deadline, "the engine did not connect");
                    Thread.sleep(100);
                }
                signal("STOP", redis.pid());
                List<CompletableFuture<Broker.Position>> asked = new ArrayList<>();
                try {
                    for (int i = 0; i < 200; i++) {
                        asked.add(engine.broker().position("room-" + i).toCompletableFuture());
                    }
                    // the refusals come within milliseconds; the others would wait for the 10 s timeout
                    long until = System.nanoTime() + 8_000_000_000L;
                    // the queue holds 10 (some may be the engine's own: lease, probe): at most 10 of 200 wait
                    while (refusedForQueue(asked) < 190 && System.nanoTime() < until) {
                        Thread.sleep(20);
                    }
                    assertTrue(refusedForQueue(asked) >= 190, "refused at once past a queue of 10: "
                            + refusedForQueue(asked) + " of 200; others: " + others(asked));
                } finally {
                    signal("CONT", redis.pid());
                }
                deadline = System.nanoTime() + 20_000_000_000L;
                while (!answers(engine)) { // and it works again once Redis does
                    assertTrue(System.nanoTime() < deadline, "the engine did not answer again");
                    Thread.sleep(100);
                }
            } finally {
                engine.close();
            }
        } finally {
            executor.shutdownNow();
            scheduler.shutdownNow();
        }
    }

    private static boolean answers(RedisEngine engine) {
        try {
            engine.broker().position("probe").toCompletableFuture().get();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static java.util.Map<String, Long> others(List<CompletableFuture<Broker.Position>> asked) {
        return asked.stream().collect(java.util.stream.Collectors.groupingBy(f -> {
            if (!f.isDone()) {
                return "pending";
            }
            try {
                f.join();
                return "answered";
            } catch (RuntimeException e) {
                return String.valueOf(e.getCause());
            }
        }, java.util.stream.Collectors.counting()));
    }

    private static long refusedForQueue(List<CompletableFuture<Broker.Position>> asked) {
        return asked.stream().filter(CompletableFuture::isCompletedExceptionally).filter(f -> {
            try {
                f.join();
                return false;
            } catch (RuntimeException e) {
                Throwable c = e.getCause();
                // Lettuce says "Request queue size exceeded" or "Internal stack size exceeded" (its two checks)
                return c instanceof EngineUnavailable && String.valueOf(c.getMessage()).contains("size exceeded");
            }
        }).count();
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(kill.waitFor() == 0, "kill -" + signal);
    }
}
