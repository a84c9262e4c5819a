package io.wsshub.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wsshub.engine.Broker.StoredMessage;
import io.wsshub.engine.MemoryEngine;
import io.wsshub.transport.RecordingPeer;
import io.wsshub.transport.Peer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The channel core's ordered delivery with a format of its own (no chat code): what a feature plugging in gets —
 * its own frames, each message encoded once per format, and a resume that sends only what was missed.
 */
class ChannelStreamsTest {

    /** A made-up feature's frames: JSON naming the format, so the test sees which one each member got. */
    static final class CountingFormat implements StreamFormat {
        final String name;
        final AtomicInteger messagesEncoded = new AtomicInteger();

        CountingFormat(String name) {
            this.name = name;
        }

        @Override
        public String welcome(String stream, Peer peer, Welcome w) {
            return "{\"type\":\"hello\",\"f\":\"" + name + "\",\"lastId\":" + w.lastId() + ",\"epoch\":\""
                    + w.epoch() + "\",\"history\":" + w.history().size() + ",\"recovered\":" + w.recovered() + "}";
        }

        @Override
        public String message(String stream, Peer peer, StoredMessage m) {
            messagesEncoded.incrementAndGet();
            return "{\"type\":\"message\",\"f\":\"" + name + "\",\"id\":" + m.id() + "}";
        }

        @Override
        public String presence(String stream, Peer peer, PresenceChange p) {
            return "{\"type\":\"presence\",\"f\":\"" + name + "\",\"count\":" + p.count() + "}";
        }
    }

    private final MemoryEngine engine = new MemoryEngine("n", 100, 10, 60_000, System::currentTimeMillis);
    private final ChannelStreams streams = new ChannelStreams(engine, Runnable::run, 10, 100);

    private void publish(String stream, String text) {
        engine.broker().publish(stream, "bob", text, "2026-12-01T00:00:00.000Z", null).toCompletableFuture().join();
    }

    private static List<Long> ids(RecordingPeer p) {
        return p.ofType("message").stream().map(m -> m.getJsonNumber("id").longValue()).toList();
    }

    @Test
    void eachMessageIsEncodedOncePerFormatAndReachesEveryMemberInOrder() {
        CountingFormat a = new CountingFormat("a");
        CountingFormat b = new CountingFormat("b");
        RecordingPeer[] peers = new RecordingPeer[6];
        for (int i = 0; i < peers.length; i++) {
            peers[i] = new RecordingPeer("u" + i);
            streams.join("feed:x", peers[i], null, i % 2 == 0 ? a : b);
        }
        for (int i = 0; i < 5; i++) {
            publish("feed:x", "m" + i);
        }
        for (int i = 0; i < peers.length; i++) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ids(peers[i]));
            String want = i % 2 == 0 ? "a" : "b";
            peers[i].ofType("message").forEach(f -> assertEquals(want, f.getString("f")));
        }
        assertEquals(5, a.messagesEncoded.get(), "one encoding per message for the three members of format a");
        assertEquals(5, b.messagesEncoded.get());
    }

    @Test
    void aResumeSendsOnlyWhatWasMissed() {
        CountingFormat f = new CountingFormat("f");
        RecordingPeer first = new RecordingPeer("alice");
        streams.join("feed:y", first, null, f);
        publish("feed:y", "one");
        publish("feed:y", "two");
        String epoch = first.ofType("hello").get(0).getString("epoch");
        streams.leave("feed:y", first);
        publish("feed:y", "three");

        RecordingPeer again = new RecordingPeer("alice");
        streams.join("feed:y", again, new Resume(2, epoch), f);
        assertEquals(true, again.ofType("hello").get(0).getBoolean("recovered"));
        assertEquals(1, again.ofType("hello").get(0).getInt("history"));
        publish("feed:y", "four");
        assertEquals(List.of(4L), ids(again), "the missed message is in the welcome's history, then live ones");
    }

    @Test
    void aLeaveStopsDeliveriesAndTheLastOneDropsTheStream() {
        CountingFormat f = new CountingFormat("f");
        RecordingPeer p = new RecordingPeer("alice");
        streams.join("feed:z", p, null, f);
        assertEquals(1, streams.localStreams());
        streams.leave("feed:z", p);
        publish("feed:z", "after");
        assertEquals(List.of(), ids(p));
        assertEquals(0, streams.localStreams());
    }

    @Test
    void aPresenceChangeThatArrivesAfterANewerOneIsDropped() {
        CountingFormat f = new CountingFormat("f");
        RecordingPeer alice = new RecordingPeer("alice");
        streams.join("feed:p", alice, null, f);
        String epoch = alice.ofType("hello").get(0).getString("epoch");
        int before = alice.ofType("presence").size();
        // carol joined (pv 100) and left (pv 101), but the two events arrive the other way round
        streams.presence("feed:p", epoch, 101, "leave", "carol", 1, List.of("alice"));
        streams.presence("feed:p", epoch, 100, "join", "carol", 2, List.of("alice", "carol"));
        List<jakarta.json.JsonObject> seen = alice.ofType("presence").subList(before, alice.ofType("presence").size());
        assertEquals(1, seen.size(), "the stale join is not sent: " + seen);
        assertEquals(1, seen.get(0).getInt("count"), "alice ends with carol gone");
    }

    @Test
    void anIdThatComesBackWithAnotherMessageResyncsTheMembersInsteadOfDroppingIt() {
        // A Redis that lost ids 2..3 (restarted from an older file) hands id 2 to a new message: before, every node
        // that had delivered the lost 2 dropped the new one as a duplicate, and its members never saw it.
        CountingFormat f = new CountingFormat("f");
        RecordingPeer alice = new RecordingPeer("alice");
        streams.join("feed:r", alice, null, f);
        publish("feed:r", "one");
        publish("feed:r", "two");
        publish("feed:r", "three");
        String epoch = alice.ofType("hello").get(0).getString("epoch");
        StoredMessage two = engine.broker().range("feed:r", 1, 2).toCompletableFuture().join().get(0);

        streams.message("feed:r", epoch, two); // the same message again (a gap fill overtook it): dropped
        assertEquals(List.of(), alice.closes);
        assertEquals(List.of(1L, 2L, 3L), ids(alice));

        streams.message("feed:r", epoch, new StoredMessage(2, "carol", "after the rollback", two.ts(), null));
        assertEquals(List.of("1013 resync"), alice.closes, "the member resumes (and is told recovered:false)");
        assertEquals(List.of(1L, 2L, 3L), ids(alice), "the new message is not delivered under a seen id");
    }
}
