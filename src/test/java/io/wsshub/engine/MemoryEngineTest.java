package io.wsshub.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The memory engine's bounds: at most chat.max.rooms rooms, idle empty rooms evicted (then a new epoch). */
class MemoryEngineTest {

    private final AtomicLong now = new AtomicLong(1_000_000);

    private MemoryEngine engine(int maxRooms) {
        return engine(new MemoryEngine("n", 10, maxRooms, 60_000, now::get));
    }

    private static MemoryEngine engine(MemoryEngine e) {
        e.broker().onRoom(new Broker.RoomListener() {
            @Override
            public void message(String room, String epoch, Broker.StoredMessage message) {
            }

            @Override
            public void presence(String room, String epoch, long pv, String event, String user, int count,
                                 List<String> m) {
            }
        });
        return e;
    }

    @Test
    void aNewRoomOverTheCapIsRefusedUntilAnIdleEmptyRoomCanBeEvicted() {
        MemoryEngine e = engine(2);
        e.presence().join("a", "n/1", "alice", -1, null, 50).toCompletableFuture().join();
        e.presence().join("b", "n/2", "alice", -1, null, 50).toCompletableFuture().join();
        CompletionException refused = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> e.presence().join("c", "n/3", "alice", -1, null, 50).toCompletableFuture().join());
        assertInstanceOf(TooManyRooms.class, refused.getCause());
        e.presence().leave("b", "n/2", "alice");
        now.addAndGet(59_000);
        assertEquals(0, e.evictIdle(), "not idle long enough yet");
        now.addAndGet(1_000);
        e.presence().join("c", "n/3", "alice", -1, null, 50).toCompletableFuture().join(); // evicts b to make room
        assertEquals(2, e.rooms());
    }

    @Test
    void aRoomWithSomeoneInItIsNeverEvictedAndAnEvictedRoomIsANewEpoch() {
        MemoryEngine e = engine(10);
        Presence.Joined j = e.presence().join("a", "n/1", "alice", -1, null, 50).toCompletableFuture().join();
        e.broker().publish("a", "alice", "hi", "t", null);
        e.presence().join("b", "n/2", "bob", -1, null, 50).toCompletableFuture().join();
        e.presence().leave("b", "n/2", "bob");
        now.addAndGet(3_600_000);
        assertEquals(1, e.evictIdle());
        assertEquals(1, e.rooms(), "room a has a member");
        Presence.Joined back = e.presence().join("b", "n/3", "bob", 0, "whatever", 50).toCompletableFuture().join();
        assertFalse(back.recovered());
        Presence.Joined a2 = e.presence().join("a", "n/4", "carol", 1, j.epoch(), 50).toCompletableFuture().join();
        assertTrue(a2.recovered());
        assertNotEquals(j.epoch(), back.epoch());
    }

    /**
     * The review's finding: history was bounded per room by count only (1000 messages of up to 8 KB, in each of
     * 10 000 rooms), so one account could fill the heap. Now by bytes per room and over all rooms.
     */
    @Test
    void historyIsBoundedByBytesPerRoomAndOverAllRoomsIdleRoomsGoingFirst() {
        String text = "x".repeat(500); // about 1.2 KB of heap with its message
        long one = MemoryRooms.cost(new Broker.StoredMessage(1, "alice", text, "2026-12-06T00:00:00.000Z", null));
        MemoryEngine e = engine(new MemoryEngine("n", 1000, 100, 60_000, now::get, 100,
                new HistoryBudget(20 * one, 45 * one)));
        for (int i = 0; i < 30; i++) {
            e.broker().publish("a", "alice", text, "2026-12-06T00:00:00.000Z", null);
        }
        List<Broker.StoredMessage> kept = e.broker().range("a", 0, 30).toCompletableFuture().join();
        assertEquals(20, kept.size(), "the newest that fit in chat.history.max.bytes");
        assertEquals(30, kept.get(19).id());
        assertEquals(20 * one, e.historyBytes());

        e.presence().join("busy", "n/1", "bob", -1, null, 50).toCompletableFuture().join(); // someone is in it
        for (String room : List.of("busy", "old")) {
            now.addAndGet(1000);
            for (int i = 0; i < 10; i++) {
                e.broker().publish(room, "alice", text, "2026-12-06T00:00:00.000Z", null);
            }
        }
        now.addAndGet(1000);
        for (int i = 0; i < 6; i++) { // 20 + 10 + 10 + 6 > 45: down to 90 %, the least recently active empty room first
            e.broker().publish("newer", "alice", text, "2026-12-06T00:00:00.000Z", null);
        }
        assertEquals(26 * one, e.historyBytes());
        assertEquals(0, e.broker().range("a", 0, 100).toCompletableFuture().join().size(), "a went first");
        assertEquals(3, e.rooms());
        assertEquals(10, e.broker().range("busy", 0, 100).toCompletableFuture().join().size());
        assertEquals(10, e.broker().range("old", 0, 100).toCompletableFuture().join().size());

        for (int i = 0; i < 50; i++) { // with only busy rooms left to shed, their histories are halved
            e.presence().join("r" + i, "n/r" + i, "bob", -1, null, 50).toCompletableFuture().join();
            e.broker().publish("r" + i, "alice", text, "2026-12-06T00:00:00.000Z", null);
        }
        assertTrue(e.historyBytes() <= 45 * one, "within the budget: " + e.historyBytes() / one);
        assertTrue(e.broker().range("busy", 0, 100).toCompletableFuture().join().size() < 10, "busy was halved");
    }
}
