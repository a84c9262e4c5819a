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
        MemoryEngine e = new MemoryEngine("n", 10, maxRooms, 60_000, now::get);
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
}
