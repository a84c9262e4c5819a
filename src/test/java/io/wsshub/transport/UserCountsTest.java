package io.wsshub.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The per-user cap under concurrency: many opens and closes of one user in parallel never hold more than the cap
 * (the review's finding: an increment outside the map operation could land in a counter a close just removed,
 * and that connection was then never counted).
 */
class UserCountsTest {

    @Test
    void parallelOpensAndClosesOfOneUserNeverExceedTheCapAndEndAtZero() throws Exception {
        int max = 5;
        UserCounts counts = new UserCounts();
        AtomicInteger open = new AtomicInteger();
        AtomicInteger highest = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 20_000; i++) {
                    if (counts.tryAcquire("alice", max)) {
                        highest.accumulateAndGet(open.incrementAndGet(), Math::max);
                        open.decrementAndGet();
                        counts.release("alice");
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertTrue(highest.get() <= max, "at most " + max + " at once, saw " + highest.get());
        assertEquals(0, counts.count("alice"));
        assertEquals(0, counts.users(), "no counter left behind");
    }

    @Test
    void theCapHoldsExactlyAndAReleaseMakesRoom() {
        UserCounts counts = new UserCounts();
        for (int i = 0; i < 3; i++) {
            assertTrue(counts.tryAcquire("bob", 3));
        }
        assertEquals(false, counts.tryAcquire("bob", 3));
        counts.release("bob");
        assertTrue(counts.tryAcquire("bob", 3));
        assertEquals(3, counts.count("bob"));
    }
}
