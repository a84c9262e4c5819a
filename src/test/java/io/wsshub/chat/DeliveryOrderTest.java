package io.wsshub.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.transport.RecordingPeer;
import io.wsshub.engine.Broker;
import io.wsshub.engine.Broker.History;
import io.wsshub.engine.Broker.Position;
import io.wsshub.engine.Broker.Published;
import io.wsshub.engine.Broker.RoomListener;
import io.wsshub.engine.Broker.StoredMessage;
import io.wsshub.engine.Engine;
import io.wsshub.engine.Presence;
import io.wsshub.engine.Presence.Joined;
import io.wsshub.engine.MemoryEngine;
import jakarta.json.JsonObject;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

/**
 * A node's delivery of a room's stream without sockets: the engine's deliveries are made lossy, doubled or moved
 * to another epoch, as pub/sub can, and each connection must still see every id once, in order — or be told to
 * resume (1013 "resync") when the history cannot fill the gap.
 */
class DeliveryOrderTest {

    /**
     * A memory engine whose room deliveries pass through a filter the test controls, and whose join results can be
     * held back; every other part is the memory engine's.
     */
    static final class LossyEngine implements Engine {
        final MemoryEngine inner;
        RoomListener target;
        LongPredicate drop = id -> false;
        /** While set, history reads fail as when the store does not answer in time. */
        boolean rangesFail;
        /** When set, join results wait here until the test completes them (in any order). */
        java.util.List<java.util.concurrent.CompletableFuture<Void>> heldJoins = null;
        private final Broker broker;
        private final Presence presence;

        LossyEngine(int history) {
            inner = new MemoryEngine("test", history, 100, 60_000, System::currentTimeMillis);
            Broker b = inner.broker();
            Presence p = inner.presence();
            b.onRoom(new RoomListener() {
                @Override
                public void message(String room, String epoch, StoredMessage m) {
                    if (!drop.test(m.id())) {
                        target.message(room, epoch, m);
                    }
                }

                @Override
                public void presence(String room, String epoch, long pv, String event, String user, int count,
                                     List<String> members) {
                    target.presence(room, epoch, pv, event, user, count, members);
                }
            });
            broker = new Broker() {
                @Override public void onRoom(RoomListener l) { target = l; }
                @Override public CompletionStage<Void> subscribe(String room) { return b.subscribe(room); }
                @Override public void unsubscribe(String room) { b.unsubscribe(room); }
                @Override public CompletionStage<Published> publish(String r, String u, String t, String ts, String c,
                                                                    Position seen, io.wsshub.engine.UserQuota q) {
                    return b.publish(r, u, t, ts, c, seen, q);
                }
                @Override public CompletionStage<Position> heal(String r, Position seen) { return b.heal(r, seen); }
                @Override public CompletionStage<List<StoredMessage>> range(String r, long a, long u) {
                    return rangesFail ? java.util.concurrent.CompletableFuture.failedFuture(
                            new io.wsshub.engine.EngineUnavailable("redis: command timed out")) : b.range(r, a, u);
                }
                @Override public CompletionStage<Position> position(String r) { return b.position(r); }
                @Override public CompletionStage<History> history(String r, long a, int l) { return b.history(r, a, l); }
            };
            presence = new Presence() {
                @Override public CompletionStage<Joined> join(String r, String e, String u, long s, String ep, int w, int max,
                                                              Broker.Position seen, io.wsshub.engine.UserQuota q) {
                    CompletionStage<Joined> done = p.join(r, e, u, s, ep, w, max, seen, q); // the atomic step happens now
                    if (heldJoins == null) {
                        return done;
                    }
                    java.util.concurrent.CompletableFuture<Void> release = new java.util.concurrent.CompletableFuture<>();
                    heldJoins.add(release);
                    return release.thenCompose(v -> done);
                }
                @Override public CompletionStage<Void> leave(String r, String e, String u) { return p.leave(r, e, u); }
                @Override public CompletionStage<Void> refresh(String r, Map<String, String> e) { return p.refresh(r, e); }
                @Override public CompletionStage<List<String>> members(String r) { return p.members(r); }
            };
        }

        @Override public String kind() { return "lossy"; }
        @Override public String node() { return "test"; }
        @Override public boolean up() { return true; }
        @Override public Broker broker() { return broker; }
        @Override public Presence presence() { return presence; }
        @Override public io.wsshub.engine.ConnectionRegistry connections() { return inner.connections(); }
        @Override public io.wsshub.engine.QuoteStore quotes() { return inner.quotes(); }
        @Override public io.wsshub.engine.LoginStore logins() { return inner.logins(); }
        @Override public void close() { }
        @Override public io.wsshub.engine.GameStore games() { return inner.games(); }
    }

    private static ChatService chat(LossyEngine engine) {
        return new ChatService(new ChatSettings(5, 50, 2000), engine, Runnable::run, Clock.systemUTC());
    }

    private static ClientFrame.Send text(String t) {
        return new ClientFrame.Send(t, null);
    }

    private static List<Long> ids(RecordingPeer p) {
        return p.ofType("message").stream().map(m -> m.getJsonNumber("id").longValue()).toList();
    }

    @Test
    void aDuplicateDeliveryIsDropped() {
        LossyEngine engine = new LossyEngine(100);
        ChatService chat = chat(engine);
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("r", alice, null);
        chat.send("r", alice, text("one"));
        String epoch = alice.frames.get(0).getString("epoch");
        Broker.StoredMessage one = engine.broker().range("r", 0, 1).toCompletableFuture().join().get(0);
        engine.target.message("r", epoch, one); // pub/sub twice
        chat.send("r", alice, text("two"));
        assertEquals(List.of(1L, 2L), ids(alice));
    }

    @Test
    void aLostDeliveryIsFilledFromHistoryWhenTheNextOneArrives() {
        LossyEngine engine = new LossyEngine(100);
        ChatService chat = chat(engine);
        RecordingPeer alice = new RecordingPeer("alice");
        RecordingPeer bob = new RecordingPeer("bob");
        chat.join("r", alice, null);
        chat.join("r", bob, null);
        engine.drop = id -> id == 2 || id == 3;
        for (String t : List.of("1", "2", "3", "4")) {
            chat.send("r", alice, text(t));
        }
        assertEquals(List.of(1L, 2L, 3L, 4L), ids(alice));
        assertEquals(List.of(1L, 2L, 3L, 4L), ids(bob));
        assertEquals(List.of("2", "3"), bob.ofType("message").subList(1, 3).stream()
                .map(m -> m.getString("text")).toList());
    }

    /**
     * The review's finding: one gap fill that timed out closed every local member of the room at once (all of them
     * then resumed together, into the same slow store). The events wait; the next position check fills the gap.
     */
    @Test
    void aGapFillTheStoreDoesNotAnswerIsTriedAgainInsteadOfEndingEveryMember() {
        LossyEngine engine = new LossyEngine(100);
        ChatService chat = chat(engine);
        RecordingPeer alice = new RecordingPeer("alice");
        RecordingPeer bob = new RecordingPeer("bob");
        chat.join("r", alice, null);
        chat.join("r", bob, null);
        engine.drop = id -> id == 2;
        engine.rangesFail = true;
        for (String t : List.of("1", "2", "3", "4")) {
            chat.send("r", alice, text(t));
        }
        assertEquals(List.of(1L), ids(alice), "3 and 4 wait for 2");
        assertEquals(List.of(), alice.closes);
        assertEquals(List.of(), bob.closes);
        engine.rangesFail = false;
        chat.upkeep();
        assertEquals(List.of(1L, 2L, 3L, 4L), ids(alice));
        assertEquals(List.of(1L, 2L, 3L, 4L), ids(bob));
    }

    @Test
    void aLostLastDeliveryIsFoundByThePositionCheck() {
        LossyEngine engine = new LossyEngine(100);
        ChatService chat = chat(engine);
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("r", alice, null);
        chat.send("r", alice, text("1"));
        engine.drop = id -> id == 2;
        chat.send("r", alice, text("2"));
        assertEquals(List.of(1L), ids(alice));
        chat.upkeep(); // the first check only notes the position (the message may still be in flight)
        chat.upkeep();
        assertEquals(List.of(1L, 2L), ids(alice));
    }

    @Test
    void aGapTheHistoryNoLongerHoldsClosesTheRoomsConnectionsWithResync() {
        LossyEngine engine = new LossyEngine(5);
        ChatService chat = chat(engine);
        RecordingPeer alice = new RecordingPeer("alice");
        RecordingPeer bob = new RecordingPeer("bob");
        chat.join("r", alice, null);
        chat.join("r", bob, null);
        engine.drop = id -> id <= 7;
        for (int i = 1; i <= 8; i++) {
            chat.send("r", alice, text("m" + i));
        }
        assertTrue(ids(bob).isEmpty(), "nothing out of order was delivered: " + ids(bob));
        assertEquals(List.of("1013 resync"), bob.closes);
        assertEquals(List.of("1013 resync"), alice.closes);
    }

    @Test
    void anotherEpochClosesWithResync() {
        LossyEngine engine = new LossyEngine(100);
        ChatService chat = chat(engine);
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("r", alice, null);
        engine.target.message("r", "another-epoch", new Broker.StoredMessage(1, "bob", "x", "t", null));
        assertTrue(ids(alice).isEmpty());
        assertEquals(List.of("1013 resync"), alice.closes);
    }

    @Test
    void aJoinerGetsNothingTwiceAndNothingMissedBetweenItsWelcomeAndTheLiveStream() {
        LossyEngine engine = new LossyEngine(100);
        ChatService chat = chat(engine);
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("r", alice, null);
        chat.send("r", alice, text("before"));
        RecordingPeer bob = new RecordingPeer("bob");
        chat.join("r", bob, null);
        chat.send("r", alice, text("after"));
        JsonObject welcome = bob.frames.get(0);
        assertEquals("welcome", welcome.getString("type"));
        assertEquals(1, welcome.getJsonArray("history").size());
        assertEquals(List.of(2L), ids(bob));
        assertTrue(bob.ofType("presence").isEmpty(), "the joiner does not get its own join");
        assertEquals(1, alice.ofType("presence").size());
    }

    @Test
    void twoJoinsAnsweredOutOfOrderOnANewHubLoseNothingForTheEarlierOne() {
        LossyEngine engine = new LossyEngine(100);
        ChatService chat = chat(engine);
        engine.inner.broker().publish("r", "bot", "1", "2026-11-30T00:00:00.000Z", null);
        engine.inner.broker().publish("r", "bot", "2", "2026-11-30T00:00:00.000Z", null);
        engine.heldJoins = new java.util.ArrayList<>();
        RecordingPeer alice = new RecordingPeer("alice");
        chat.join("r", alice, null);                 // its welcome will say lastId 2
        engine.inner.broker().publish("r", "bot", "3", "2026-11-30T00:00:00.000Z", null);
        engine.inner.broker().publish("r", "bot", "4", "2026-11-30T00:00:00.000Z", null);
        RecordingPeer bob = new RecordingPeer("bob");
        chat.join("r", bob, null);                   // its welcome will say lastId 4
        engine.heldJoins.get(1).complete(null);      // bob's answer first: the hub starts at 4
        engine.heldJoins.get(0).complete(null);
        engine.inner.broker().publish("r", "bot", "5", "2026-11-30T00:00:00.000Z", null);
        assertEquals(2, alice.frames.get(0).getJsonNumber("lastId").longValue());
        assertEquals(List.of(3L, 4L, 5L), ids(alice), "3 and 4 came from history, then the live 5");
        assertEquals(List.of(5L), ids(bob));
    }

    @Test
    void theAnswerToARetryNeverOvertakesLowerIdsStillOnTheirWay() {
        LossyEngine engine = new LossyEngine(100);
        ChatService chat = chat(engine);
        RecordingPeer alice = new RecordingPeer("alice");
        RecordingPeer bob = new RecordingPeer("bob");
        chat.join("r", alice, null);
        chat.join("r", bob, null);
        chat.send("r", alice, new ClientFrame.Send("one", "c1"));
        engine.drop = id -> id == 2 || id == 3; // on their way (a slow pub/sub), not lost
        chat.send("r", bob, text("two"));
        chat.send("r", alice, new ClientFrame.Send("three", "c3"));
        chat.send("r", alice, new ClientFrame.Send("three", "c3")); // the client retries: its echo is late
        assertEquals(List.of(1L), ids(alice), "the original 3 was not sent ahead of 2");
        chat.upkeep();
        chat.upkeep(); // the stream catches up: 2, then 3 (the answer to the retry too)
        assertEquals(List.of(1L, 2L, 3L), ids(alice));
        chat.send("r", alice, new ClientFrame.Send("one", "c1")); // an old retry: answered at once
        assertEquals(List.of(1L, 2L, 3L, 1L), ids(alice));
    }
}
