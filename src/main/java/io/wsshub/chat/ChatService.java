package io.wsshub.chat;

import io.wsshub.transport.ErrorFrame;
import io.wsshub.transport.Fanout;
import io.wsshub.transport.Json;
import io.wsshub.transport.Peer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The chat rules: rooms, members, message ids, history, resume and de-duplication. Each room's state changes
 * and its deliveries happen under the room's monitor, so every connection sees the room's frames in id order
 * and a joining connection gets its welcome before any later message. Deliveries only enqueue
 * ({@link Peer#send} never blocks), so holding the monitor while publishing is cheap.
 */
@ApplicationScoped
public class ChatService {

    public static final String INVALID_TEXT = "invalid_text";
    public static final String INVALID_CLIENT_ID = "invalid_client_id";
    static final int MAX_CLIENT_ID = 64;
    private static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
    private ChatSettings settings;
    private Fanout fanout;
    private Clock clock;
    private final ServerFrameEncoder encoder = new ServerFrameEncoder();

    protected ChatService() {
        // for the CDI proxy
    }

    @Inject
    public ChatService(ChatSettings settings, Fanout fanout, Clock clock) {
        this.settings = settings;
        this.fanout = fanout;
        this.clock = clock;
    }

    public static boolean validRoom(String name) {
        return Room.validName(name);
    }

    private Room room(String name) {
        if (!Room.validName(name)) {
            throw new IllegalArgumentException("invalid room name");
        }
        return rooms.computeIfAbsent(name, n -> new Room(n, settings.historySize()));
    }

    /**
     * Welcomes {@code peer} into the room, then tells the others if this is the user's first connection there.
     *
     * @param resume the client's position, or null for a plain join
     */
    public void join(String roomName, Peer peer, Resume resume) {
        Room room = room(roomName);
        synchronized (room) {
            boolean first = room.addMember(peer.user());
            List<String> members = room.members();
            List<ServerFrame.Message> history = null;
            Boolean recovered = null;
            if (resume != null) {
                history = resume.epoch().equals(room.epoch) ? room.after(resume.since()) : null;
                recovered = history != null;
            }
            if (history == null) {
                history = room.newest(settings.welcomeHistory());
            }
            peer.send(encoder.encode(new ServerFrame.Welcome(room.name, peer.user(), members, history,
                    room.lastId(), room.epoch, recovered)));
            if (first) {
                // published before this connection subscribes: "the others" receive the join
                fanout.publish(room.name, encoder.encode(
                        new ServerFrame.Presence(room.name, "join", peer.user(), members)));
            }
            fanout.subscribe(room.name, peer);
        }
    }

    /** The connection closed: stop its deliveries and tell the others if it was the user's last one. */
    public void leave(String roomName, Peer peer) {
        Room room = rooms.get(roomName);
        if (room == null) {
            return;
        }
        synchronized (room) {
            fanout.unsubscribe(room.name, peer);
            if (room.removeMember(peer.user())) {
                fanout.publish(room.name, encoder.encode(
                        new ServerFrame.Presence(room.name, "leave", peer.user(), room.members())));
            }
        }
    }

    /**
     * Stores and broadcasts a message from {@code peer}, whose user is the author whatever the frame says.
     * Invalid input gets an error frame on that connection only; a clientId the user already used in this room
     * (within retained history) re-sends the original message to that connection only.
     */
    public void send(String roomName, Peer peer, ClientFrame.Send send) {
        String problem = checkClientId(send.clientId());
        if (problem != null) {
            peer.send(error(INVALID_CLIENT_ID, problem));
            return;
        }
        String text = send.text() == null ? null : send.text().strip();
        problem = checkText(text);
        if (problem != null) {
            peer.send(error(INVALID_TEXT, problem));
            return;
        }
        Room room = room(roomName);
        synchronized (room) {
            ServerFrame.Message original = room.findByClientId(peer.user(), send.clientId());
            if (original != null) {
                peer.send(encoder.encode(original));
                return;
            }
            ServerFrame.Message m = room.append(peer.user(), text, TS.format(clock.instant()), send.clientId());
            fanout.publish(room.name, encoder.encode(m)); // encoded once for every member
        }
    }

    private String checkText(String text) {
        if (text == null) {
            return "text is required";
        }
        int chars = text.codePointCount(0, text.length());
        if (chars == 0) {
            return "text is empty";
        }
        if (chars > settings.maxTextChars()) {
            return "text is longer than " + settings.maxTextChars() + " characters";
        }
        if (hasControl(text, true)) {
            return "text contains control characters (only newline and tab are allowed)";
        }
        return null;
    }

    private static String checkClientId(String clientId) {
        if (clientId == null) {
            return null;
        }
        if (clientId.isEmpty() || clientId.length() > MAX_CLIENT_ID) {
            return "clientId must be 1 to " + MAX_CLIENT_ID + " characters";
        }
        if (hasControl(clientId, false)) {
            return "clientId contains control characters";
        }
        return null;
    }

    private static boolean hasControl(String s, boolean allowNewlineTab) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) && !(allowNewlineTab && (c == '\n' || c == '\t'))) {
                return true;
            }
        }
        return false;
    }

    static String error(String code, String message) {
        return Json.encode(ErrorFrame.of(code, message));
    }
}
