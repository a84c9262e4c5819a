package io.wsshub.market;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.transport.QueueingPeer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Subscriptions, snapshots, seq, change and conflation, without sockets. */
class MarketServiceTest {

    /** A connection whose socket only "writes" when the test says so. */
    static final class SlowPeer implements QueueingPeer {
        final ArrayDeque<String> queue = new ArrayDeque<>();
        final List<JsonObject> written = new ArrayList<>();
        Supplier<String> idle;

        @Override
        public String id() {
            return "p";
        }

        @Override
        public String user() {
            return "alice";
        }

        @Override
        public synchronized boolean send(String frame) {
            queue.add(frame);
            return true;
        }

        @Override
        public boolean enqueue(String frame) {
            return send(frame);
        }

        @Override
        public void close(int code, String reason) {
        }

        @Override
        public synchronized int pending() {
            return queue.size();
        }

        @Override
        public void whenIdle(Supplier<String> source) {
            idle = source;
        }

        @Override
        public void kick() {
        }

        /** The client reads everything: the queue first, then what the idle source has. */
        List<JsonObject> readAll() {
            while (true) {
                String f = queue.poll();
                if (f == null) {
                    f = idle.get();
                }
                if (f == null) {
                    return written;
                }
                written.add(Json.createReader(new StringReader(f)).readObject());
            }
        }
    }

    static io.wsshub.engine.MemoryEngine memory() {
        return new io.wsshub.engine.MemoryEngine("test", 1000, 100, 60_000, System::currentTimeMillis);
    }

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-25T13:00:00.123Z"), ZoneOffset.UTC);

    @Test
    void snapshotThenQuotesWithSeqAndChangeAsDecimalStrings() {
        MarketService m = new MarketService(200, 1024, memory(), clock);
        m.update("ACME", new BigDecimal("100.50"));
        m.update("ACME", new BigDecimal("101.25"));
        SlowPeer p = new SlowPeer();
        Subscriber s = m.connect(p);
        m.subscribe(s, List.of("ACME", "NOPE", "bad sym"));
        m.update("ACME", new BigDecimal("101.30"));
        List<JsonObject> f = p.readAll();
        assertEquals("snapshot", f.get(0).getString("type"));
        JsonObject q0 = f.get(0).getJsonArray("quotes").getJsonObject(0);
        assertEquals("101.25", q0.getString("price"));
        assertEquals("0.75", q0.getString("change"));
        assertEquals(2, q0.getInt("seq"));
        assertEquals("2026-11-25T13:00:00.123Z", q0.getString("ts"));
        assertEquals("invalid_symbol", f.get(1).getString("code"));
        assertEquals("unknown_symbol", f.get(2).getString("code"));
        assertEquals("NOPE", f.get(2).getJsonArray("symbols").getString(0));
        JsonObject q = f.get(3);
        assertEquals("quote", q.getString("type"));
        assertEquals("101.30", q.getString("price"));
        assertEquals("0.80", q.getString("change"));
        assertEquals(3, q.getInt("seq"));
    }

    @Test
    void unsubscribeStopsAndTheLimitHolds() {
        MarketService m = new MarketService(2, 1024, memory(), clock);
        for (String s : List.of("A", "B", "C")) {
            m.update(s, BigDecimal.ONE);
        }
        SlowPeer p = new SlowPeer();
        Subscriber s = m.connect(p);
        m.subscribe(s, List.of("A", "B", "C"));
        List<JsonObject> f = p.readAll();
        assertEquals(2, f.get(0).getJsonArray("quotes").size());
        assertEquals("too_many_symbols", f.get(1).getString("code"));
        m.unsubscribe(s, List.of("A"));
        m.update("A", BigDecimal.TEN);
        m.update("B", BigDecimal.TEN);
        List<JsonObject> after = p.readAll().subList(2, p.written.size());
        assertEquals(1, after.size());
        assertEquals("B", after.get(0).getString("symbol"));
    }

    @Test
    void aClientThatIsBehindGetsTheNewestQuoteOfEachSymbolWithSeqStillIncreasing() {
        int conflateAfter = 10;
        MarketService m = new MarketService(200, conflateAfter, memory(), clock);
        m.update("X", BigDecimal.ONE);
        m.update("Y", BigDecimal.ONE);
        SlowPeer slow = new SlowPeer();
        Subscriber s = m.connect(slow);
        m.subscribe(s, List.of("X", "Y"));
        for (int i = 2; i <= 1001; i++) {
            m.update("X", BigDecimal.valueOf(i));
            m.update("Y", BigDecimal.valueOf(i));
        }
        assertTrue(slow.pending() <= conflateAfter, "the queue stayed bounded: " + slow.pending());
        List<JsonObject> f = slow.readAll();
        long lastX = 0;
        long lastY = 0;
        int quotes = 0;
        for (JsonObject o : f.subList(1, f.size())) {
            quotes++;
            long seq = o.getJsonNumber("seq").longValue();
            if (o.getString("symbol").equals("X")) {
                assertTrue(seq > lastX, "seq increases");
                lastX = seq;
            } else {
                assertTrue(seq > lastY);
                lastY = seq;
            }
        }
        assertEquals(1001, lastX, "the newest quote arrives");
        assertEquals(1001, lastY);
        assertTrue(quotes < 100, "stale quotes were dropped: " + quotes);
        assertEquals("1001", f.get(f.size() - 1).getString("price"));
    }

    /**
     * The review's finding: a symbol's first quote made it visible before it had a price, and a subscribe in between
     * threw a NullPointerException (the subscriber was closed 1011). Symbols race their first quote here.
     */
    @Test
    void aSubscribeRacingASymbolsFirstQuoteNeverSeesItWithoutAPrice() throws Exception {
        MarketService m = new MarketService(100_000, 1_000_000, memory(), clock);
        SlowPeer p = new SlowPeer();
        Subscriber s = m.connect(p);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread quotes = new Thread(() -> {
            try {
                for (int i = 0; i < 20_000; i++) {
                    m.update("S" + i, BigDecimal.ONE);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        Thread subscriber = new Thread(() -> {
            try {
                for (int i = 0; i < 20_000; i++) {
                    synchronized (p) {
                        m.subscribe(s, List.of("S" + i));
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        quotes.start();
        subscriber.start();
        quotes.join();
        subscriber.join();
        assertEquals(null, failure.get(), "no subscribe failed");
        synchronized (p) {
            for (String f : p.queue) {
                JsonObject o = Json.createReader(new StringReader(f)).readObject();
                if ("snapshot".equals(o.getString("type"))) {
                    for (JsonObject q : o.getJsonArray("quotes").getValuesAs(JsonObject.class)) {
                        assertEquals("1", q.getString("price"));
                    }
                }
            }
        }
    }

    /**
     * The review's finding: a store that lost quotes (Redis back from an older file) numbered them again from a
     * lower seq, and every node dropped every quote until the seq passed the old value. An ordered quote (as the
     * redis engine's pub/sub delivers them) whose seq does not go up is the store's truth now: it is sent.
     */
    @Test
    void anOrderedQuoteNumberedAgainAfterTheStoreLostQuotesIsSentNotDropped() {
        MarketService m = new MarketService(200, 1024, memory(), clock);
        String ts = "2026-11-25T13:00:00.123Z";
        for (int seq = 1; seq <= 50; seq++) {
            m.onQuote(new io.wsshub.engine.QuoteStore.Quote("ACME", "1." + seq, "1.0", seq, ts, true));
        }
        SlowPeer p = new SlowPeer();
        Subscriber s = m.connect(p);
        m.subscribe(s, List.of("ACME"));
        m.onQuote(new io.wsshub.engine.QuoteStore.Quote("ACME", "1.49", "1.0", 49, ts, false)); // a late read: stale
        m.onQuote(new io.wsshub.engine.QuoteStore.Quote("ACME", "2.00", "1.0", 41, ts, true)); // numbered again
        m.onQuote(new io.wsshub.engine.QuoteStore.Quote("ACME", "2.10", "1.0", 42, ts, true));
        List<JsonObject> f = p.readAll();
        assertEquals(50, f.get(0).getJsonArray("quotes").getJsonObject(0).getInt("seq"));
        assertEquals(List.of("2.00", "2.10"), f.subList(1, f.size()).stream().map(o -> o.getString("price")).toList());
        assertEquals(new BigDecimal("2.10"), m.price("ACME"));
    }

    /** The review's finding: publishers could create symbols without end (a hash each in Redis, a map entry on every node). */
    @Test
    void theMarketHoldsAtMostMarketMaxSymbols() {
        MarketService m = new MarketService(200, 3, 1024, memory(), clock);
        for (String s : List.of("A", "B", "C")) {
            m.update(s, BigDecimal.ONE).toCompletableFuture().join();
        }
        java.util.concurrent.CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class,
                () -> m.update("D", BigDecimal.ONE).toCompletableFuture().join());
        assertTrue(e.getCause() instanceof MarketService.TooManySymbols, e.toString());
        assertEquals(null, m.price("D"), "nothing stored");
        m.update("A", BigDecimal.TEN).toCompletableFuture().join();
        assertEquals(BigDecimal.TEN, m.price("A"), "known symbols still update");
        assertEquals(List.of("D", "E"), m.overCap(List.of("A", "D", "E", "D")));
        assertEquals(List.of(), m.overCap(List.of("A", "B")));
    }
}
