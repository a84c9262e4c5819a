package io.wsshub.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** A failing task, Error or exception, must not stop the tasks after it (review item 13). */
class SerialExecutorTest {

    @Test
    void anErrorInOneTaskDoesNotFreezeTheTasksAfterIt() {
        ConcurrentLinkedQueue<Runnable> pool = new ConcurrentLinkedQueue<>();
        SerialExecutor serial = new SerialExecutor(pool::add); // the test runs the pool's tasks by hand
        List<String> ran = new ArrayList<>();
        serial.execute(() -> ran.add("first"));
        serial.execute(() -> { throw new AssertionError("a bug"); });
        serial.execute(() -> { throw new StackOverflowError(); });
        serial.execute(() -> { throw new IllegalStateException("another"); });
        serial.execute(() -> ran.add("after the failures"));
        runAll(pool);
        assertEquals(List.of("first", "after the failures"), ran);

        serial.execute(() -> ran.add("later")); // not stuck "running": it is scheduled again
        assertEquals(1, pool.size(), "a new drain was scheduled");
        runAll(pool);
        assertEquals(List.of("first", "after the failures", "later"), ran);
    }

    private static void runAll(ConcurrentLinkedQueue<Runnable> pool) {
        Runnable r;
        while ((r = pool.poll()) != null) {
            r.run();
        }
    }
}
