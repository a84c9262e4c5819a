package io.wsshub.chat;

import io.wsshub.channel.Resume;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.engine.MemoryEngine;
import io.wsshub.transport.RecordingPeer;
import jakarta.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chat rules without sockets: ids, history bounds, resume, de-duplication, validation, presence. */
class ChatServiceTest {

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-25T13:00:00.123Z"), ZoneOffset.UTC);

    private ChatService service(int history, int welcome) {
        return new ChatService(new ChatSettings(history, welcome, 2000),
                new MemoryEngine("test", history, 100, 60_000, System::currentTimeMillis), Runnable::run, clock);
    }

    private static ClientFrame.Send send(String text, String clientId) {
        return new ClientFrame.Send(text, clientId);
    }

    @Test
    void welcomeThenMessagesWithIncreasingIdsToEveryMember() {
        ChatService chat = service(1000, 50);
        RecordingPeer alice = new RecordingPeer("alice");
        RecordingPeer bob = new RecordingPeer("bob");
        chat.join("lobby", alice, null);
        JsonObject welcome = alice.last();
        assertEquals("welcome", welcome.getString("type"));
        assertEquals("lobby", welcome.getString("room"));
        assertEquals("alice", welcome.getString("user"));
        assertEquals(0, welcome.getJsonNumber("lastId").longValue());
        assertEquals(0, welcome.getJsonArray("history").size());
        assertFalse(welcome.containsKey("recovered"));

        chat.join("lobby", bob, null);
        JsonObject join = alice.last();
        assertEquals("presence", join.getString("type"));
        assertEquals("join", join.getString("event"));
        assertEquals("bob", join.getString("user"));
        assertEquals(List.of("alice", "bob"), strings(join, "members"));
        assertEquals(List.of("alice", "bob"), strings(bob.frames.get(0), "members"));
        assertTrue(bob.ofType("presence").isEmpty(), "the joiner does not get its own join");

        chat.send("lobby", alice, send("hi", "c-1"));
        chat.send("lobby", bob, send("  hello\tthere\n ", null));
        for (RecordingPeer p : List.of(alice, bob)) {
            List<JsonObject> msgs = p.ofType("message");
            assertEquals(2, msgs.size());
            assertEquals(1, msgs.get(0).getJsonNumber("id").longValue());
            assertEquals("alice", msgs.get(0).getString("from"));
            assertEquals("c-1", msgs.get(0).getString("clientId"));
            assertEquals("2026-11-25T13:00:00.123Z", msgs.get(0).getString("ts"));
            assertEquals(2, msgs.get(1).getJsonNumber("id").longValue());
            assertEquals("hello\tthere", msgs.get(1).getString("text"), "stored trimmed");
            assertFalse(msgs.get(1).containsKey("clientId"));
        }

        chat.leave("lobby", bob);
        JsonObject leave = alice.last();
        assertEquals("leave", leave.getString("event"));
        assertEquals(List.of("alice"), strings(leave, "members"));
    }

    @Test
    void presenceOnlyForFirstAndLastConnectionOfAUser() {
        ChatService chat = service(1000, 50);
        RecordingPeer alice = new RecordingPeer("alice");
        RecordingPeer bob1 = new RecordingPeer("bob");
        RecordingPeer bob2 = new RecordingPeer("bob");
        chat.join("r", alice, null);
        chat.join("r", bob1, null);
        chat.join("r", bob2, null);
        assertEquals(1, alice.ofType("presence").size());
        chat.leave("r", bob1);
        assertEquals(1, alice.ofType("presence").size(), "bob still has a connection");
        chat.leave("r", bob2);
        assertEquals(2, alice.ofType("presence").size());
        assertEquals("leave", alice.last().getString("event"));
    }

    @Test
    void welcomeCarriesNewestHistoryOldestFirst() {
        ChatService chat = service(100, 5);
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("r", alice, null);
        for (int i = 1; i <= 12; i++) {
            chat.send("r", alice, send("m" + i, null));
        }
        RecordingPeer bob = new RecordingPeer("bob");
        chat.join("r", bob, null);
        JsonObject w = bob.frames.get(0);
        assertEquals(12, w.getJsonNumber("lastId").longValue());
        assertEquals(List.of(8L, 9L, 10L, 11L, 12L), ids(w));
    }

    @Test
    void resumeReturnsExactlyTheMessagesAfterSince() {
        ChatService chat = service(100, 5);
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("r", alice, null);
        String epoch = alice.frames.get(0).getString("epoch");
        for (int i = 1; i <= 20; i++) {
            chat.send("r", alice, send("m" + i, null));
        }
        RecordingPeer again = new RecordingPeer("alice");
        chat.join("r", again, new Resume(3, epoch));
        JsonObject w = again.frames.get(0);
        assertTrue(w.getBoolean("recovered"));
        assertEquals(17, ids(w).size(), "all 17 after id 3, not capped by the welcome size");
        assertEquals(4L, ids(w).get(0));
        assertEquals(20L, ids(w).get(16));

        RecordingPeer upToDate = new RecordingPeer("alice");
        chat.join("r", upToDate, new Resume(20, epoch));
        assertTrue(upToDate.frames.get(0).getBoolean("recovered"));
        assertEquals(List.of(), ids(upToDate.frames.get(0)));
    }

    @Test
    void aResumeThatMissedMoreThanTheBudgetIsNotRecoveredAndGetsTheNewest() {
        ChatService chat = new ChatService(new ChatSettings(1000, 5, 2000, 10_000, 100, 10),
                new MemoryEngine("test", 1000, 100, 60_000, System::currentTimeMillis), Runnable::run, clock);
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("r", alice, null);
        String epoch = alice.frames.get(0).getString("epoch");
        for (int i = 1; i <= 30; i++) {
            chat.send("r", alice, send("m" + i, null));
        }
        RecordingPeer far = new RecordingPeer("alice");
        chat.join("r", far, new Resume(5, epoch)); // missed 25, over chat.resume.max=10
        JsonObject w = far.frames.get(0);
        assertEquals(false, w.getBoolean("recovered"));
        assertEquals(List.of(26L, 27L, 28L, 29L, 30L), ids(w), "the newest 5, as for a plain join");

        RecordingPeer near = new RecordingPeer("alice");
        chat.join("r", near, new Resume(20, epoch)); // missed 10: within the budget
        assertTrue(near.frames.get(0).getBoolean("recovered"));
        assertEquals(10, ids(near.frames.get(0)).size());
    }

    @Test
    void resumeWithWrongEpochOrEvictedRangeIsNotRecovered() {
        ChatService chat = service(10, 5);
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("r", alice, null);
        String epoch = alice.frames.get(0).getString("epoch");
        for (int i = 1; i <= 30; i++) {
            chat.send("r", alice, send("m" + i, null));
        }
        RecordingPeer wrongEpoch = new RecordingPeer("alice");
        chat.join("r", wrongEpoch, new Resume(25, epoch + "x"));
        assertFalse(wrongEpoch.frames.get(0).getBoolean("recovered"));
        assertEquals(List.of(26L, 27L, 28L, 29L, 30L), ids(wrongEpoch.frames.get(0)));

        RecordingPeer evicted = new RecordingPeer("alice");
        chat.join("r", evicted, new Resume(5, epoch)); // 6..20 evicted, retained 21..30
        assertFalse(evicted.frames.get(0).getBoolean("recovered"));

        RecordingPeer edge = new RecordingPeer("alice");
        chat.join("r", edge, new Resume(20, epoch)); // 21..30 all retained
        assertTrue(edge.frames.get(0).getBoolean("recovered"));
        assertEquals(10, ids(edge.frames.get(0)).size());

        RecordingPeer future = new RecordingPeer("alice");
        chat.join("r", future, new Resume(31, epoch));
        assertFalse(future.frames.get(0).getBoolean("recovered"), "since beyond lastId cannot be this sequence");
    }

    @Test
    void historyIsBoundedAndIdsHaveNoGaps() {
        ChatService chat = service(10, 50);
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("r", alice, null);
        for (int i = 1; i <= 25; i++) {
            chat.send("r", alice, send("m" + i, null));
        }
        List<Long> all = alice.ofType("message").stream().map(m -> m.getJsonNumber("id").longValue()).toList();
        for (int i = 0; i < 25; i++) {
            assertEquals(i + 1L, all.get(i));
        }
        RecordingPeer bob = new RecordingPeer("bob");
        chat.join("r", bob, null);
        assertEquals(List.of(16L, 17L, 18L, 19L, 20L, 21L, 22L, 23L, 24L, 25L), ids(bob.frames.get(0)));
    }

    @Test
    void repeatedClientIdIsNotStoredAgainAndIsResentToThatConnectionOnly() {
        ChatService chat = service(3, 50);
        RecordingPeer alice = new RecordingPeer("alice");
        RecordingPeer bob = new RecordingPeer("bob");
        chat.join("r", alice, null);
        chat.join("r", bob, null);
        chat.send("r", alice, send("hi", "c-1"));
        RecordingPeer aliceRetry = new RecordingPeer("alice");
        chat.join("r", aliceRetry, null);
        chat.send("r", aliceRetry, send("hi (retry)", "c-1"));

        JsonObject resent = aliceRetry.last();
        assertEquals("message", resent.getString("type"));
        assertEquals(1, resent.getJsonNumber("id").longValue());
        assertEquals("hi", resent.getString("text"), "the original is re-sent");
        assertEquals(1, bob.ofType("message").size(), "others do not see the retry");
        assertEquals(1, alice.ofType("message").size());

        // the same clientId from another user is a different message
        chat.send("r", bob, send("mine", "c-1"));
        assertEquals(2, bob.ofType("message").size());

        // once evicted from retained history, the clientId can be used again
        chat.send("r", bob, send("x", null));
        chat.send("r", bob, send("y", null));
        chat.send("r", alice, send("again", "c-1"));
        JsonObject last = alice.last();
        assertEquals(5, last.getJsonNumber("id").longValue());
        assertEquals("again", last.getString("text"));
    }

    @Test
    void invalidTextAndClientIdAreRejectedWithoutEffect() {
        ChatService chat = service(10, 50);
        RecordingPeer alice = new RecordingPeer("alice");
        RecordingPeer bob = new RecordingPeer("bob");
        chat.join("r", alice, null);
        chat.join("r", bob, null);
        int bobFrames = bob.frames.size();

        for (String bad : new String[] {null, "", "   \n\t ", "a\u0000b", "bell\u0007", "cr\rlf", "x".repeat(2001)}) {
            chat.send("r", alice, send(bad, null));
            assertEquals("error", alice.last().getString("type"), "text " + bad);
            assertEquals(ChatService.INVALID_TEXT, alice.last().getString("code"));
            assertFalse(alice.last().getString("message").isBlank());
        }
        for (String bad : new String[] {"", "x".repeat(65), "a\nb"}) {
            chat.send("r", alice, send("ok", bad));
            assertEquals(ChatService.INVALID_CLIENT_ID, alice.last().getString("code"), "clientId " + bad);
        }
        assertEquals(bobFrames, bob.frames.size(), "nothing reached the others");

        chat.send("r", alice, send("x".repeat(2000), "y".repeat(64)));
        chat.send("r", alice, send("\uD83D\uDE00".repeat(2000), null)); // 2000 characters, 4000 UTF-16 units
        assertEquals(2, bob.ofType("message").size());
        assertEquals(1, bob.ofType("message").get(0).getJsonNumber("id").longValue(), "errors used no ids");
    }

    @Test
    void roomNames() {
        for (String ok : new String[] {"lobby", "a", "0", "room-1", "a".repeat(32), "9-"}) {
            assertTrue(ChatService.validRoom(ok), ok);
        }
        for (String bad : new String[] {"", "-a", "Lobby", "a_b", "a b", "a".repeat(33), "é", "a/b", "a.b"}) {
            assertFalse(ChatService.validRoom(bad), bad);
        }
    }

    @Test
    void roomsAreIndependentAndEpochsDiffer() {
        ChatService chat = service(10, 50);
        RecordingPeer a = new RecordingPeer("alice");
        RecordingPeer b = new RecordingPeer("alice");
        chat.join("one", a, null);
        chat.join("two", b, null);
        chat.send("one", a, send("x", null));
        assertTrue(b.ofType("message").isEmpty());
        assertNotEquals(a.frames.get(0).getString("epoch"), b.frames.get(0).getString("epoch"));
        assertEquals(1, a.ofType("message").get(0).getJsonNumber("id").longValue());
        chat.send("two", b, send("y", null));
        assertEquals(1, b.ofType("message").get(0).getJsonNumber("id").longValue());
    }

    @Test
    void aResumeWhoseWelcomeWouldNotFitTheQueueIsAnsweredAsUnrecoveredWithTheNewest() {
        ChatService chat = service(1000, 5);
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("big", alice, null);
        String epoch = alice.frames.get(0).getString("epoch");
        for (int i = 0; i < 100; i++) {
            chat.send("big", alice, send("é".repeat(1000), null)); // 2000 UTF-8 bytes each
        }
        RecordingPeer back = new RecordingPeer("alice") {
            @Override
            public boolean fits(String frame) {
                return io.wsshub.transport.Utf8.length(frame) <= 64 * 1024; // a small queue bound, in bytes
            }
        };
        chat.join("big", back, new Resume(0, epoch));
        JsonObject w = back.frames.get(0);
        assertFalse(w.getBoolean("recovered"), "the 200 kB resume would not fit: not recovered");
        assertEquals(List.of(96L, 97L, 98L, 99L, 100L), ids(w), "the newest, as for a plain join");
        assertEquals(100, w.getJsonNumber("lastId").longValue());
    }

    private static List<String> strings(JsonObject o, String key) {
        return o.getJsonArray(key).getValuesAs(jakarta.json.JsonString.class).stream()
                .map(jakarta.json.JsonString::getString).toList();
    }

    private static List<Long> ids(JsonObject welcome) {
        return welcome.getJsonArray("history").getValuesAs(JsonObject.class).stream()
                .map(m -> m.getJsonNumber("id").longValue()).toList();
    }

    @Test
    void memberListsStopAtPresenceListMaxWhileTheCountGoesOn() {
        ChatService chat = new ChatService(new ChatSettings(1000, 50, 2000, 10_000, 2),
                new MemoryEngine("test", 1000, 100, 60_000, System::currentTimeMillis, 2), Runnable::run, clock);
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("big", alice, null);
        chat.join("big", new RecordingPeer("bob"), null);
        JsonObject two = alice.last();
        assertEquals(2, two.getInt("count"));
        assertEquals(List.of("alice", "bob"), strings(two, "members"));
        RecordingPeer carol = new RecordingPeer("carol");
        chat.join("big", carol, null);
        JsonObject three = alice.last();
        assertEquals("join", three.getString("event"));
        assertEquals("carol", three.getString("user"));
        assertEquals(3, three.getInt("count"));
        assertFalse(three.containsKey("members"), "no list beyond presence.list.max");
        JsonObject welcome = carol.frames.get(0);
        assertEquals(3, welcome.getInt("count"));
        assertFalse(welcome.containsKey("members"));
        chat.leave("big", carol);
        JsonObject leave = alice.last();
        assertEquals(2, leave.getInt("count"));
        assertEquals(List.of("alice", "bob"), strings(leave, "members"));
    }

    /**
     * The review's finding: nothing limited what one account stored (a join/leave loop over 10 000 names took every
     * room; one account filled the heap). Per user and hour: bytes of messages and new rooms, from sockets.
     */
    @Test
    void aUsersHourlyQuotaOfBytesAndNewRoomsIsKeptAndARetryIsNotCounted() {
        ChatService chat = new ChatService(new ChatSettings(100, 10, 2000, 10_000, 100, 300,
                new io.wsshub.engine.UserQuota(25, 2)),
                new io.wsshub.engine.MemoryEngine("n", 100, 100, 60_000, System::currentTimeMillis), Runnable::run,
                clock);
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("one", alice, null);
        chat.send("one", alice, send("0123456789", "c1"));
        chat.send("one", alice, send("0123456789", "c2"));
        chat.send("one", alice, send("0123456789", "c1")); // a retry: the original, not counted again
        chat.send("one", alice, send("0123456789", "c3")); // 30 bytes > 25
        JsonObject refused = alice.last("error");
        assertEquals("quota_exceeded", refused.getString("code"));
        assertEquals("c3", refused.getString("clientId"));
        assertEquals(2, alice.ofType("message").stream().map(m -> m.getJsonNumber("id").longValue()).distinct().count());

        RecordingPeer two = new RecordingPeer("alice");
        chat.join("two", two, null); // her second new room this hour
        assertEquals(List.of(), two.closes);
        RecordingPeer three = new RecordingPeer("alice");
        chat.join("three", three, null);
        assertEquals(List.of("1013 quota exceeded"), three.closes);
        RecordingPeer bob = new RecordingPeer("bob");
        chat.join("three", bob, null); // bob makes it
        RecordingPeer again = new RecordingPeer("alice");
        chat.join("three", again, null); // joining a room that exists counts nothing
        assertEquals(List.of(), again.closes);
        assertEquals("bob", chat.store("two", "bob", "the server API is not metered", null).toCompletableFuture()
                .join().message().from());
    }
}
