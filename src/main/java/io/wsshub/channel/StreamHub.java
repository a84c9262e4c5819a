package io.wsshub.channel;

import io.wsshub.engine.SerialExecutor;
import io.wsshub.transport.Peer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * This node's view of one channel's stream: its local members and the position of the stream here. Every field
 * is touched only by tasks of {@link #serial}, so it needs no lock and no task holds one while it writes to a
 * socket. The delivery rules themselves are in {@link ChannelStreams}.
 */
final class StreamHub {

    /** A stream event as delivered by the engine: a message (with id) or a presence change (with pv). */
    sealed interface Event permits Msg, Pres {
    }

    record Msg(String epoch, io.wsshub.engine.Broker.StoredMessage message) implements Event {
    }

    /** A presence change; its frames are encoded once per format, when first needed. */
    static final class Pres implements Event {
        final String epoch;
        final long pv;
        final StreamFormat.PresenceChange change;
        final Frames<String> frames = new Frames<>();

        Pres(String epoch, long pv, StreamFormat.PresenceChange change) {
            this.epoch = epoch;
            this.pv = pv;
            this.change = change;
        }
    }

    /** The frames of one event, one per format (there are one or two formats in practice). */
    static final class Frames<T> {
        private StreamFormat f0;
        private T s0;
        private StreamFormat f1;
        private T s1;
        private java.util.IdentityHashMap<StreamFormat, T> more;

        T get(StreamFormat f) {
            if (f == f0) {
                return s0;
            }
            if (f == f1) {
                return s1;
            }
            return more == null ? null : more.get(f);
        }

        void put(StreamFormat f, T frame) {
            if (f0 == null) {
                f0 = f;
                s0 = frame;
            } else if (f1 == null) {
                f1 = f;
                s1 = frame;
            } else {
                if (more == null) {
                    more = new java.util.IdentityHashMap<>();
                }
                more.put(f, frame);
            }
        }
    }

    /** One local member of the stream (a connection, or one subscription of a /ws connection). */
    static final class Member {
        final String entry;
        final StreamFormat format;
        /** Events that arrived before its welcome (null once it is live). */
        List<Event> buffer = new ArrayList<>();
        /** Set when the connection closed before its join completed: the join's entry must then be removed. */
        boolean left;
        /** Its join completed: its presence entry exists (a leave must remove it, even before it is live). */
        boolean added;
        /** Originals of its retried clientIds that came back while it was joining (answered once live). */
        final List<io.wsshub.engine.Broker.StoredMessage> duplicates = new ArrayList<>();
        long fromId;
        long fromPv;

        Member(String entry, StreamFormat format) {
            this.entry = entry;
            this.format = format;
        }

        boolean live() {
            return buffer == null;
        }
    }

    final String name;
    final SerialExecutor serial;
    CompletionStage<Void> subscribed;
    /** Closed hubs are out of the node's map; a task that finds its hub closed re-routes to the current one. */
    boolean closed;
    /** The room's epoch and the newest id delivered here; null / -1 until the first join result. */
    String epoch;
    long lastId = -1;
    /** The newest presence version delivered here (-1: none yet in this epoch). */
    long lastPv = -1;
    /** A gap is being filled from history: new events wait in {@link #waiting}. */
    boolean filling;
    final ArrayDeque<Event> waiting = new ArrayDeque<>();
    final LinkedHashMap<Peer, Member> members = new LinkedHashMap<>();
    /** lastId at the previous position check: a gap seen twice in a row (not just in flight) is filled. */
    long lastIdAtCheck = -1;
    /** A position check asked for by a delivery that could not be matched against {@link #stamps} is on its way. */
    boolean verifying;
    /**
     * The stream as this node last saw it, kept through a resync: a publish or join passes it so that a store that
     * lost writes is healed before it hands out an id again (Broker#heal). Read by publishers on other threads.
     */
    volatile io.wsshub.engine.Broker.Position seen;

    /** How many of the newest delivered messages are remembered by a stamp (two longs each, per stream). */
    static final int STAMPS = 64;
    private long[] stampIds;
    private long[] stamps;

    void saw(long top) {
        lastId = top;
        seen = new io.wsshub.engine.Broker.Position(epoch, top);
    }

    void stamp(io.wsshub.engine.Broker.StoredMessage m) {
        if (stampIds == null) {
            stampIds = new long[STAMPS];
            stamps = new long[STAMPS];
        }
        int i = (int) (m.id() % STAMPS);
        stampIds[i] = m.id();
        stamps[i] = stampOf(m);
    }

    /**
     * Whether {@code m} is the message this node delivered under its id: 1 the same, -1 another one (the store
     * lost the first and gave its id away again), 0 not remembered.
     */
    int sameAsDelivered(io.wsshub.engine.Broker.StoredMessage m) {
        int i = (int) (m.id() % STAMPS);
        if (stampIds == null || stampIds[i] != m.id()) {
            return 0;
        }
        return stamps[i] == stampOf(m) ? 1 : -1;
    }

    /** A 64-bit FNV-1a of what every node reads alike for one stored message. */
    static long stampOf(io.wsshub.engine.Broker.StoredMessage m) {
        long h = 0xcbf29ce484222325L;
        h = fnv(h, m.from());
        h = fnv(h, m.ts());
        h = fnv(h, m.clientId());
        return fnv(h, m.text());
    }

    private static long fnv(long h, String s) {
        if (s != null) {
            for (int i = 0; i < s.length(); i++) {
                h = (h ^ s.charAt(i)) * 0x100000001b3L;
            }
        }
        return (h ^ 0x1f) * 0x100000001b3L; // a separator, so field boundaries count
    }

    StreamHub(String name, SerialExecutor serial) {
        this.name = name;
        this.serial = serial;
    }
}
