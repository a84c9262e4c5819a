package io.wsshub.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox's concurrency contract, against a stand-in for the container's session whose async sends complete
 * either inline or later on another thread (both happen in real containers). The real socket behaviour is
 * covered by the integration tests.
 */
class SessionOutboxTest {

    /** A session whose getAsyncRemote().sendText(text, handler) records the text and parks the handler. */
    static final class FakeSession {
        final List<String> written = java.util.Collections.synchronizedList(new ArrayList<>());
        final LinkedBlockingQueue<SendHandler> pending = new LinkedBlockingQueue<>();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicReference<CloseReason> closed = new AtomicReference<>();
        volatile boolean completeInline;

        Session session() {
            RemoteEndpoint.Async async = (RemoteEndpoint.Async) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {RemoteEndpoint.Async.class}, (p, m, args) -> {
                        if (m.getName().equals("sendText") && args.length == 2) {
                            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                            written.add((String) args[0]);
                            SendHandler h = (SendHandler) args[1];
                            if (completeInline) {
                                inFlight.decrementAndGet();
                                h.onResult(new SendResult());
                            } else {
                                pending.add(h);
                            }
                            return null;
                        }
                        throw new UnsupportedOperationException(m.getName());
                    });
            return (Session) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Session.class},
                    (p, m, args) -> switch (m.getName()) {
                        case "getAsyncRemote" -> async;
                        case "getId" -> "s1";
                        case "getNegotiatedSubprotocol" -> "";
                        case "close" -> {
                            closed.set((CloseReason) args[0]);
                            yield null;
                        }
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }

        /** Completes the oldest in-flight send, as the container would on its own thread. */
        boolean completeOne() throws InterruptedException {
            SendHandler h = pending.poll(5, TimeUnit.SECONDS);
            if (h == null) {
                return false;
            }
            inFlight.decrementAndGet();
            h.onResult(new SendResult());
            return true;
        }
    }

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void inlineCompletionsDrainEverythingInOrderWithoutRecursion() {
        FakeSession fake = new FakeSession();
        fake.completeInline = true;
        SessionOutbox out = new SessionOutbox(fake.session(), "alice", 1_000_000, Long.MAX_VALUE, Runnable::run);
        for (int i = 0; i < 100_000; i++) { // deep enough to overflow the stack if completions recursed
            assertTrue(out.send("m" + i));
        }
        assertEquals(100_000, fake.written.size());
        assertEquals("m99999", fake.written.get(99_999));
        assertEquals(1, fake.maxInFlight.get());
        assertEquals(0, out.pending());
    }

    @Test
    void concurrentSendersNeverHaveTwoWritesInFlightAndLoseNothing() throws Exception {
        FakeSession fake = new FakeSession();
        SessionOutbox out = new SessionOutbox(fake.session(), "alice", 1_000_000, Long.MAX_VALUE, Runnable::run);
        int senders = 4;
        int each = 5_000;
        CountDownLatch done = new CountDownLatch(senders);
        for (int s = 0; s < senders; s++) {
            int sender = s;
            pool.execute(() -> {
                for (int i = 0; i < each; i++) {
                    out.send(sender + ":" + i);
                }
                done.countDown();
            });
        }
        int completed = 0;
        while (completed < senders * each) {
            assertTrue(fake.completeOne(), "a write was lost: " + completed + " completed");
            completed++;
        }
        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertEquals(senders * each, fake.written.size());
        assertEquals(1, fake.maxInFlight.get(), "at most one async send per session");
        // each sender's frames keep their order
        for (int s = 0; s < senders; s++) {
            String prefix = s + ":";
            List<String> mine = new ArrayList<>();
            for (String w : List.copyOf(fake.written)) {
                if (w.startsWith(prefix)) {
                    mine.add(w);
                }
            }
            for (int i = 0; i < each; i++) {
                assertEquals(prefix + i, mine.get(i));
            }
        }
        assertEquals(0, out.pending());
    }

    @Test
    void aBatchingClientGetsWhatQueuedDuringAWriteAsOneArrayFrameInOrder() throws Exception {
        FakeSession fake = new FakeSession();
        SessionOutbox out = new SessionOutbox(fake.session(), "alice", 1000, Long.MAX_VALUE, Runnable::run, true, null);
        out.send("{\"n\":0}");                      // written at once, alone: nothing waits for a batch
        for (int i = 1; i <= 4; i++) {
            out.send("{\"n\":" + i + "}");          // queued behind the write in flight
        }
        assertEquals(List.of("[{\"n\":0}]"), fake.written);
        assertTrue(fake.completeOne());
        assertEquals(List.of("[{\"n\":0}]", "[{\"n\":1},{\"n\":2},{\"n\":3},{\"n\":4}]"), fake.written);
        assertTrue(fake.completeOne());
        assertEquals(0, out.pending());
        assertEquals(1, fake.maxInFlight.get());
    }

    /** A batching outbox whose writes complete at once and whose linger is {@code flusher}'s. */
    private static SessionOutbox lingering(FakeSession fake, BatchFlusher flusher) {
        fake.completeInline = true;
        return new SessionOutbox(fake.session(), "alice", 1000, Long.MAX_VALUE, Runnable::run, true, flusher);
    }

    @Test
    void withALingerTheFirstMessageGoesAtOnceAndTheNextOnesWaitForTheTickTogether() throws Exception {
        FakeSession fake = new FakeSession();
        List<Runnable> ticks = new ArrayList<>();
        BatchFlusher flusher = new BatchFlusher(TimeUnit.MINUTES.toNanos(1), (nanos, tick) -> ticks.add(tick));
        SessionOutbox out = lingering(fake, flusher);
        out.send("{\"n\":1}");                      // quiet connection: no linger
        assertEquals(List.of("[{\"n\":1}]"), fake.written);
        assertEquals(0, ticks.size());             // nothing waits: no tick scheduled
        out.send("{\"n\":2}");                      // written within the linger: waits for the tick
        out.send("{\"n\":3}");
        assertEquals(1, fake.written.size());
        assertEquals(2, out.pending());
        assertEquals(1, ticks.size());             // one tick for both
        ticks.get(0).run();
        assertEquals(List.of("[{\"n\":1}]", "[{\"n\":2},{\"n\":3}]"), fake.written);
        assertEquals(0, out.pending());
        out.send("{\"n\":4}");                      // still within the linger: the next tick is scheduled
        assertEquals(2, ticks.size());
        ticks.get(1).run();
        assertEquals("[{\"n\":4}]", fake.written.get(2));
    }

    @Test
    void aTickIsScheduledOnlyWhileSomethingWaitsAndServesEveryConnectionMarkedBeforeIt() throws Exception {
        List<Runnable> ticks = new ArrayList<>();
        BatchFlusher flusher = new BatchFlusher(TimeUnit.MINUTES.toNanos(1), (nanos, tick) -> ticks.add(tick));
        FakeSession a = new FakeSession();
        FakeSession b = new FakeSession();
        SessionOutbox outA = lingering(a, flusher);
        SessionOutbox outB = lingering(b, flusher);
        outA.send("{\"a\":1}");
        outB.send("{\"b\":1}");
        assertEquals(0, ticks.size());
        outA.send("{\"a\":2}");
        outB.send("{\"b\":2}");
        outA.send("{\"a\":3}");
        assertEquals(1, ticks.size(), "one tick for every connection waiting");
        ticks.get(0).run();
        assertEquals(List.of("[{\"a\":1}]", "[{\"a\":2},{\"a\":3}]"), a.written);
        assertEquals(List.of("[{\"b\":1}]", "[{\"b\":2}]"), b.written);
        assertEquals(1, ticks.size(), "nothing waits: no further tick");
    }

    @Test
    void withoutAScheduler_aLingeringMessageIsWrittenAtOnceRatherThanNever() throws Exception {
        FakeSession fake = new FakeSession();
        BatchFlusher flusher = new BatchFlusher(TimeUnit.MINUTES.toNanos(1), (nanos, tick) -> {
            throw new java.util.concurrent.RejectedExecutionException("application stopping");
        });
        SessionOutbox out = lingering(fake, flusher);
        out.send("{\"n\":1}");
        out.send("{\"n\":2}");
        assertEquals(List.of("[{\"n\":1}]", "[{\"n\":2}]"), fake.written);
        assertEquals(0, out.pending());
    }

    @Test
    void afterAQuietSpellLongerThanTheLingerAMessageGoesAtOnceAgain() throws Exception {
        FakeSession fake = new FakeSession();
        long linger = TimeUnit.MILLISECONDS.toNanos(1);
        SessionOutbox out = lingering(fake, new BatchFlusher(linger, (nanos, tick) -> { }));
        out.send("{\"n\":1}");
        long written = System.nanoTime();
        while (System.nanoTime() - written <= linger) { // the event under test: a linger passes on the outbox's clock
            Thread.onSpinWait();
        }
        out.send("{\"n\":2}");
        assertEquals(List.of("[{\"n\":1}]", "[{\"n\":2}]"), fake.written); // no tick needed
        assertEquals(0, out.pending());
    }

    @Test
    void aBatchIsBoundedInMessages() throws Exception {
        FakeSession fake = new FakeSession();
        SessionOutbox out = new SessionOutbox(fake.session(), "alice", 10_000, Long.MAX_VALUE, Runnable::run, true, null);
        int n = SessionOutbox.BATCH_MAX_MESSAGES * 2 + 1;
        for (int i = 0; i < n; i++) {
            out.send("{}");
        }
        while (fake.completeOne()) {
            if (out.pending() == 0) {
                break;
            }
        }
        int total = 0;
        for (String frame : fake.written) {
            int messages = frame.split("\\{}", -1).length - 1;
            assertTrue(messages >= 1 && messages <= SessionOutbox.BATCH_MAX_MESSAGES, frame.length() + " chars");
            total += messages;
        }
        assertEquals(n, total);
        assertEquals(0, out.pending());
    }

    @Test
    void aReaderThatFallsBehindTheBoundIsClosedWith1013AndTheSenderIsNotBlocked() {
        FakeSession fake = new FakeSession(); // nothing completes: the client stopped reading
        SessionOutbox out = new SessionOutbox(fake.session(), "alice", 10, Long.MAX_VALUE, Runnable::run);
        for (int i = 0; i < 10; i++) {
            assertTrue(out.send("m" + i));
        }
        assertFalse(out.send("one too many"));
        assertEquals(CloseReason.CloseCodes.TRY_AGAIN_LATER, fake.closed.get().getCloseCode());
        assertFalse(out.send("after close"), "nothing more is queued once closing");
        assertEquals(1, fake.written.size(), "one write in flight, the rest queued");
    }

    @Test
    void theByteBoundCountsToo() {
        FakeSession fake = new FakeSession();
        SessionOutbox out = new SessionOutbox(fake.session(), "alice", 1000, 100, Runnable::run);
        assertTrue(out.send("x".repeat(60)));
        assertFalse(out.send("y".repeat(60)));
        assertEquals(CloseReason.CloseCodes.TRY_AGAIN_LATER, fake.closed.get().getCloseCode());
    }

    @Test
    void aFrameSharedByManyConnectionsCountsInEachQueueAndLeavesEachWhenWritten() throws Exception {
        FakeSession fakeA = new FakeSession();
        FakeSession fakeB = new FakeSession();
        SessionOutbox a = new SessionOutbox(fakeA.session(), "alice", 1000, 1000, Runnable::run);
        SessionOutbox b = new SessionOutbox(fakeB.session(), "bob", 1000, 1000, Runnable::run);
        OutFrame shared = OutFrame.of("{\"text\":\"hé€\"}", System.currentTimeMillis());
        assertEquals(17, shared.bytes(), "UTF-8 bytes, counted once");
        assertTrue(a.send(shared));
        assertTrue(b.send(shared));
        assertTrue(a.send(shared));
        assertEquals(2, a.pending());
        assertEquals(1, b.pending());
        assertTrue(fakeA.completeOne());
        assertTrue(fakeA.completeOne());
        assertTrue(fakeB.completeOne());
        assertEquals(0, a.pending());
        assertEquals(0, b.pending());
        assertEquals(List.of(shared.text(), shared.text()), fakeA.written);
        assertEquals(List.of(shared.text()), fakeB.written);
        // the byte bound counts the shared frame like any other: 17 * 58 = 986 fits in 1000, 59 do not
        FakeSession stalled = new FakeSession();
        SessionOutbox c = new SessionOutbox(stalled.session(), "carol", 1000, 1000, Runnable::run);
        for (int i = 0; i < 58; i++) {
            assertTrue(c.send(shared), "frame " + i);
        }
        assertFalse(c.send(shared));
        assertEquals(CloseReason.CloseCodes.TRY_AGAIN_LATER, stalled.closed.get().getCloseCode());
    }
}
