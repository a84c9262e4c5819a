package io.wsshub.chat;

import io.wsshub.engine.SerialExecutor;
import io.wsshub.transport.Peer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * This node's view of one room: its local connections and the position of the room's delivery stream here.
 * Every field is touched only by tasks of {@link #serial}, so it needs no lock and no task holds one while it
 * writes to a socket. The delivery rules themselves are in {@link ChatService}.
 */
final class RoomHub {

    /** A room event as delivered by the engine: a message (with id) or a presence change (with pv). */
    sealed interface Event permits Msg, Pres {
    }

    record Msg(String epoch, io.wsshub.engine.Broker.StoredMessage message) implements Event {
    }

    /** A presence change; its frames are encoded once per format (room or channel), when first needed. */
    static final class Pres implements Event {
        final String epoch;
        final long pv;
        final String event;
        final String user;
        final int count;
        /** Null when the engine left a long list out. */
        final java.util.List<String> members;
        String roomFrame;
        String channelFrame;

        Pres(String epoch, long pv, String event, String user, int count, java.util.List<String> members) {
            this.epoch = epoch;
            this.pv = pv;
            this.event = event;
            this.user = user;
            this.count = count;
            this.members = members;
        }
    }

    /** One local connection in the room. */
    static final class Member {
        final String entry;
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

        Member(String entry) {
            this.entry = entry;
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
    /** A gap is being filled from history: new events wait in {@link #waiting}. */
    boolean filling;
    final ArrayDeque<Event> waiting = new ArrayDeque<>();
    final LinkedHashMap<Peer, Member> members = new LinkedHashMap<>();
    /** lastId at the previous position check: a gap seen twice in a row (not just in flight) is filled. */
    long lastIdAtCheck = -1;

    RoomHub(String name, SerialExecutor serial) {
        this.name = name;
        this.serial = serial;
    }
}
