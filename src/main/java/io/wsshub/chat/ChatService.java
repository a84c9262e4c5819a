package io.wsshub.chat;

import io.wsshub.engine.Broker;
import io.wsshub.engine.Engine;
import io.wsshub.engine.Presence.Joined;
import io.wsshub.engine.Broker.StoredMessage;
import io.wsshub.engine.EngineUnavailable;
import io.wsshub.engine.SerialExecutor;
import io.wsshub.engine.TooManyRooms;
import io.wsshub.transport.ErrorFrame;
import io.wsshub.transport.Json;
import io.wsshub.transport.Peer;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The chat rules on one node: validation, and the delivery of each room's messages to this node's connections
 * in id order, without gaps or duplicates, whichever node stored them (docs/cluster.md). What is shared — ids,
 * epoch, history, de-duplication, presence — is the {@link Engine}'s.
 *
 * <p>Each room's node-side state is a {@link RoomHub} driven by one serial executor. A join adds the
 * connection (buffering what arrives for it), subscribes the node to the room, then asks the engine for the
 * welcome; the welcome goes out, then the buffered events newer than it (merge by id). Every delivered message
 * must be the room's next id here: a lower one is dropped, a higher one is a gap, filled from the engine's
 * history; a gap that cannot be filled, or another epoch, closes the room's local connections with 1013
 * "resync" so that their clients resume.
 */
@ApplicationScoped
public class ChatService implements Broker.RoomListener {

    private static final Logger LOG = Logger.getLogger(ChatService.class.getName());
    public static final String INVALID_TEXT = "invalid_text";
    public static final String INVALID_CLIENT_ID = "invalid_client_id";
    public static final String UNAVAILABLE = "unavailable";
    public static final int TRY_AGAIN_LATER = 1013;
    /** The reason of a close (or, on /ws, of an unsubscribed) that asks the client to resume with since/epoch. */
    public static final String RESYNC = "resync";
    static final int MAX_CLIENT_ID = 64;
    private static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final ConcurrentHashMap<String, RoomHub> hubs = new ConcurrentHashMap<>();
    private ChatSettings settings;
    private Engine engine;
    private Clock clock;
    private Executor executor;
    private final ServerFrameEncoder encoder = new ServerFrameEncoder();

    @Resource
    ManagedExecutorService managedExecutor;
    @Resource
    ManagedScheduledExecutorService scheduler;
    private ScheduledFuture<?> upkeep;

    protected ChatService() {
        // for the CDI proxy
    }

    @Inject
    public ChatService(ChatSettings settings, Engine engine, Clock clock) {
        this.settings = settings;
        this.engine = engine;
        this.clock = clock;
    }

    /** Without a container: tasks run on {@code executor} (a direct one runs everything on the caller). */
    ChatService(ChatSettings settings, Engine engine, Executor executor, Clock clock) {
        this(settings, engine, clock);
        this.executor = executor;
        engine.broker().onRoom(this);
    }

    @PostConstruct
    void start() {
        executor = managedExecutor;
        engine.broker().onRoom(this);
        long every = Math.max(1000, settings.upkeepMillis());
        upkeep = scheduler.scheduleWithFixedDelay(this::upkeep, every, every, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        if (upkeep != null) {
            upkeep.cancel(false);
        }
    }

    public static boolean validRoom(String name) {
        return Room.validName(name);
    }

    private String entry(Peer peer) {
        return engine.node() + "/" + peer.id();
    }

    /** The room's hub, created (and the node subscribed) if there is none. */
    private RoomHub hub(String room) {
        return hubs.computeIfAbsent(room, r -> {
            RoomHub h = new RoomHub(r, new SerialExecutor(executor));
            h.subscribed = engine.broker().subscribe(r); // inside compute: ordered with the unsubscribe of a closing hub
            return h;
        });
    }

    /**
     * Welcomes {@code peer} into the room (then, if this is the user's first connection anywhere, the others get a
     * join). Returns at once; a failure closes the connection with 1013 ("unavailable", "too many rooms").
     *
     * @param resume the client's position, or null for a plain join
     */
    public void join(String roomName, Peer peer, Resume resume) {
        // a room name, or the whole name of another chat-like /ws channel (checked by the channel core)
        if (!Room.validName(roomName) && (roomName == null || roomName.indexOf(':') <= 0)) {
            throw new IllegalArgumentException("invalid room name");
        }
        RoomHub hub = hub(roomName);
        hub.serial.execute(() -> startJoin(hub, peer, resume));
    }

    private void startJoin(RoomHub hub, Peer peer, Resume resume) {
        if (hub.closed) {
            join(hub.name, peer, resume);
            return;
        }
        RoomHub.Member m = new RoomHub.Member(entry(peer));
        hub.members.put(peer, m);
        long since = resume == null ? -1 : resume.since();
        String epoch = resume == null ? null : resume.epoch();
        hub.subscribed
                .thenCompose(v -> engine.presence().join(hub.name, m.entry, peer.user(), since, epoch, settings.welcomeHistory()))
                .whenComplete((joined, failure) -> hub.serial.execute(() -> joined(hub, peer, m, joined, failure)));
    }

    private void joined(RoomHub hub, Peer peer, RoomHub.Member m, Joined j, Throwable failure) {
        if (failure != null) {
            Throwable cause = unwrap(failure);
            LOG.log(Level.FINE, "join of " + hub.name + " failed", cause);
            if (hub.members.get(peer) == m) {
                hub.members.remove(peer);
                closeIfEmpty(hub);
            }
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.HANDSHAKES_REFUSED,
                    cause instanceof TooManyRooms ? "too_many_rooms" : "unavailable");
            peer.close(TRY_AGAIN_LATER, cause instanceof TooManyRooms ? "too many rooms" : UNAVAILABLE);
            return;
        }
        if (m.left || hub.members.get(peer) != m) { // closed while joining: undo the entry the join added
            engine.presence().leave(hub.name, m.entry, peer.user());
            return;
        }
        m.added = true;
        if (hub.epoch == null) {
            hub.epoch = j.epoch();
            hub.lastId = j.top();
        } else if (!hub.epoch.equals(j.epoch())) { // the room's history was lost: everyone here must resume
            resync(hub, peer);
            hub.epoch = j.epoch();
            hub.lastId = j.top();
            m.buffer.clear(); // the old epoch's
        }
        peer.send(welcome(hub.name, peer, j));
        m.fromId = j.top();
        m.fromPv = j.pv();
        long upTo = hub.lastId;
        if (upTo > j.top() && !covers(m.buffer, j.top(), upTo)) {
            // This node delivered ids past this welcome before the connection could buffer them (another
            // connection's join set the room's position here while both were joining): read them from history,
            // then go live. New deliveries keep buffering meanwhile.
            String epoch = hub.epoch;
            long from = j.top();
            engine.broker().range(hub.name, from, upTo).whenComplete((list, rangeFailure) -> hub.serial.execute(() -> {
                if (hub.members.get(peer) != m) {
                    return; // closed meanwhile (its entry was removed then)
                }
                if (rangeFailure != null || !epoch.equals(hub.epoch) || !contiguous(list, from, upTo)) {
                    hub.members.remove(peer);
                    engine.presence().leave(hub.name, m.entry, peer.user());
                    peer.close(TRY_AGAIN_LATER, RESYNC);
                    closeIfEmpty(hub);
                    return;
                }
                for (StoredMessage s : list) {
                    sendTo(hub, peer, m, s);
                }
                goLive(hub, peer, m);
            }));
            drainWaiting(hub);
            return;
        }
        goLive(hub, peer, m);
        drainWaiting(hub);
    }

    /** Sends a member what waited for its welcome, each id once and in order, then delivers to it live. */
    private void goLive(RoomHub hub, Peer peer, RoomHub.Member m) {
        for (RoomHub.Event e : m.buffer) {
            if (e instanceof RoomHub.Msg msg) {
                sendTo(hub, peer, m, msg.message());
            } else if (e instanceof RoomHub.Pres p && p.pv > m.fromPv) {
                peer.send(presenceFrame(hub.name, peer, p));
                m.fromPv = p.pv;
            }
        }
        m.buffer = null;
        for (StoredMessage d : m.duplicates) { // retries answered while it joined: the ones it has had by now
            if (d.id() <= Math.max(m.fromId, hub.lastId)) {
                peer.send(encode(hub.name, peer, d));
            }
        }
        m.duplicates.clear();
    }

    private void sendTo(RoomHub hub, Peer peer, RoomHub.Member m, StoredMessage s) {
        if (s.id() > m.fromId) {
            peer.send(encode(hub.name, peer, s), acceptedMillis(s.ts()));
            m.fromId = s.id();
        }
    }

    /** True when the buffered messages hold every id in (after, upTo]. */
    private static boolean covers(List<RoomHub.Event> buffer, long after, long upTo) {
        if (upTo - after > buffer.size()) {
            return false;
        }
        java.util.Set<Long> ids = new java.util.HashSet<>();
        for (RoomHub.Event e : buffer) {
            if (e instanceof RoomHub.Msg msg) {
                ids.add(msg.message().id());
            }
        }
        for (long id = after + 1; id <= upTo; id++) {
            if (!ids.contains(id)) {
                return false;
            }
        }
        return true;
    }

    private String welcome(String room, Peer peer, Joined j) {
        List<ServerFrame.Message> history = messages(room, peer.channel(), j.history());
        String frame = welcomeFrame(room, peer, j, history, j.recovered());
        if (!peer.fits(frame) && Boolean.TRUE.equals(j.recovered())) {
            // A resume this long would overflow the client's queue (and it would retry the same resume forever):
            // answer as to a plain join, with the newest messages, and let it reload.
            int n = Math.min(settings.welcomeHistory(), history.size());
            history = history.subList(history.size() - n, history.size());
            frame = welcomeFrame(room, peer, j, history, false);
        }
        return frame;
    }

    /** A welcome on /ws/chat, a subscribed frame on /ws. */
    private String welcomeFrame(String room, Peer peer, Joined j, List<ServerFrame.Message> history,
                                Boolean recovered) {
        List<String> members = listed(j.count(), j.members());
        int count = j.count();
        return encoder.encode(peer.channel() == null
                ? new ServerFrame.Welcome(room, peer.user(), members, count, history, j.top(), j.epoch(), recovered)
                : new ServerFrame.Subscribed(peer.channel(), members, count, history, j.top(), j.epoch(), recovered));
    }

    /** The member list as frames carry it: omitted (null) beyond presence.list.max. */
    private List<String> listed(int count, List<String> members) {
        return count <= settings.presenceListMax() ? members : null;
    }

    private String presenceFrame(String room, Peer peer, RoomHub.Pres p) {
        if (peer.channel() == null) {
            if (p.roomFrame == null) {
                p.roomFrame = encoder.encode(new ServerFrame.Presence(room, null, p.event, p.user, p.count,
                        listed(p.count, p.members)));
            }
            return p.roomFrame;
        }
        if (p.channelFrame == null) {
            p.channelFrame = encoder.encode(new ServerFrame.Presence(null, peer.channel(), p.event, p.user,
                    p.count, listed(p.count, p.members)));
        }
        return p.channelFrame;
    }

    /** The connection closed: stop its deliveries; its presence entry is removed (a leave if it was the last). */
    public void leave(String roomName, Peer peer) {
        RoomHub hub = hubs.get(roomName);
        if (hub == null) {
            return;
        }
        hub.serial.execute(() -> {
            RoomHub.Member m = hub.members.remove(peer);
            if (m == null) {
                return;
            }
            if (m.live() || m.added) {
                engine.presence().leave(hub.name, m.entry, peer.user()).exceptionally(e -> {
                    // the entry expires with presence.ttl.seconds: the leave is then published by the purge
                    LOG.log(Level.FINE, "leave of " + hub.name + " failed", e);
                    return null;
                });
            } else {
                m.left = true; // its join is still under way: joined() removes the entry
            }
            closeIfEmpty(hub);
        });
    }

    private void closeIfEmpty(RoomHub hub) {
        if (hub.members.isEmpty() && !hub.closed) {
            hub.closed = true;
            hubs.compute(hub.name, (r, h) -> {
                if (h == hub) {
                    engine.broker().unsubscribe(r);
                    return null;
                }
                return h;
            });
        }
    }

    /**
     * Stores and broadcasts a message from {@code peer}, whose user is the author whatever the frame says. Invalid
     * input gets an error frame on that connection only; a clientId the user already used in this room (within
     * retained history) re-sends the original message to that connection only; a store that cannot be reached
     * answers {@code unavailable} (nothing was acknowledged; the client retries with its clientId).
     */
    public void send(String roomName, Peer peer, ClientFrame.Send send) {
        Refusal refused = check(send.text(), send.clientId());
        if (refused != null) {
            peer.send(error(refused.code(), refused.message(), peer.channel(), send.clientId()));
            return;
        }
        store(roomName, peer.user(), send.text().strip(), send.clientId())
                .whenCompleteAsync((p, failure) -> {
                    if (failure != null) {
                        peer.send(error(UNAVAILABLE, "the message store is unavailable: send it again later",
                                peer.channel(), send.clientId()));
                    } else if (p.duplicate()) {
                        answerDuplicate(roomName, peer, p.message());
                    }
                    // a stored message reaches its sender like everyone else: through the room's deliveries
                }, executor);
    }

    /** Why a message cannot be stored: an error code ({@code invalid_text}, {@code invalid_client_id}) and why. */
    public record Refusal(String code, String message) {
    }

    /** Checks a message's text (trimmed) and clientId; null when it may be stored. */
    public Refusal check(String text, String clientId) {
        String problem = checkClientId(clientId);
        if (problem != null) {
            return new Refusal(INVALID_CLIENT_ID, problem);
        }
        problem = checkText(text == null ? null : text.strip());
        if (problem != null) {
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.MESSAGES_DROPPED, "invalid");
            return new Refusal(INVALID_TEXT, problem);
        }
        return null;
    }

    /**
     * Stores a checked message (see {@link #check}) from {@code user}; it reaches the room's members through the
     * deliveries. A clientId the user already used in the room returns the original (duplicate). Fails with
     * {@link EngineUnavailable} when the store cannot be reached: nothing was acknowledged.
     */
    public CompletionStage<Broker.Published> store(String roomName, String user, String text, String clientId) {
        return engine.broker().publish(roomName, user, text, TS.format(clock.instant()), clientId).whenComplete((p, failure) -> {
            if (failure != null) {
                LOG.log(Level.FINE, "publish to " + roomName + " failed", unwrap(failure));
                io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.MESSAGES_DROPPED, "unavailable");
            }
        });
    }

    // ---- deliveries (engine callbacks: possibly on an engine thread, so hand over at once) --------------------

    @Override
    public void message(String room, String epoch, StoredMessage message) {
        RoomHub hub = hubs.get(room);
        if (hub != null) {
            hub.serial.execute(() -> onEvent(hub, new RoomHub.Msg(epoch, message)));
        }
    }

    @Override
    public void presence(String room, String epoch, long pv, String event, String user, int count,
                         List<String> members) {
        RoomHub hub = hubs.get(room);
        if (hub != null) {
            hub.serial.execute(() -> onEvent(hub, new RoomHub.Pres(epoch, pv, event, user, count, members)));
        }
    }

    private void onEvent(RoomHub hub, RoomHub.Event e) {
        if (hub.closed) {
            return;
        }
        if (hub.epoch == null || hub.filling) {
            hub.waiting.add(e);
            return;
        }
        process(hub, e);
        drainWaiting(hub);
    }

    private void drainWaiting(RoomHub hub) {
        while (!hub.closed && hub.epoch != null && !hub.filling && !hub.waiting.isEmpty()) {
            process(hub, hub.waiting.poll());
        }
    }

    private void process(RoomHub hub, RoomHub.Event e) {
        if (e instanceof RoomHub.Pres p) {
            for (var entry : hub.members.entrySet()) {
                RoomHub.Member m = entry.getValue();
                if (!m.live()) {
                    m.buffer.add(p);
                } else if (p.pv > m.fromPv) {
                    entry.getKey().send(presenceFrame(hub.name, entry.getKey(), p));
                }
            }
            return;
        }
        RoomHub.Msg msg = (RoomHub.Msg) e;
        long id = msg.message().id();
        if (!msg.epoch().equals(hub.epoch)) {
            LOG.warning(() -> "room " + hub.name + ": epoch changed (" + hub.epoch + " -> " + msg.epoch()
                    + "): its connections here resume");
            resync(hub, null);
            return;
        }
        if (id <= hub.lastId) {
            return; // delivered already (a gap fill overtook it, or a duplicate)
        }
        if (id > hub.lastId + 1) {
            hub.waiting.addFirst(msg);
            fill(hub, id - 1);
            return;
        }
        deliver(hub, msg);
    }

    /** Reads the missing ids up to {@code upTo} from history; meanwhile events wait. */
    private void fill(RoomHub hub, long upTo) {
        hub.filling = true;
        long from = hub.lastId;
        String epoch = hub.epoch;
        engine.broker().range(hub.name, from, upTo).whenComplete((list, failure) -> hub.serial.execute(() -> {
            if (hub.closed || !epoch.equals(hub.epoch)) {
                return;
            }
            hub.filling = false;
            if (failure != null || !contiguous(list, from, upTo)) {
                LOG.warning(() -> "room " + hub.name + ": ids " + (from + 1) + ".." + upTo
                        + " cannot be read from history: its connections here resume");
                resync(hub, null);
                return;
            }
            for (StoredMessage m : list) {
                deliver(hub, new RoomHub.Msg(epoch, m));
            }
            drainWaiting(hub);
        }));
    }

    private static boolean contiguous(List<StoredMessage> list, long after, long upTo) {
        if (list == null || list.size() != upTo - after) {
            return false;
        }
        long expect = after + 1;
        for (StoredMessage m : list) {
            if (m.id() != expect++) {
                return false;
            }
        }
        return true;
    }

    private void deliver(RoomHub hub, RoomHub.Msg msg) {
        long id = msg.message().id();
        hub.lastId = id;
        String roomFrame = null;
        String channelFrame = null; // encoded once per format for every member here
        long accepted = acceptedMillis(msg.message().ts());
        for (var entry : hub.members.entrySet()) {
            RoomHub.Member m = entry.getValue();
            Peer peer = entry.getKey();
            if (!m.live()) {
                m.buffer.add(msg);
            } else if (id > m.fromId) {
                String frame;
                if (peer.channel() == null) {
                    frame = roomFrame == null ? roomFrame = encode(hub.name, peer, msg.message()) : roomFrame;
                } else {
                    frame = channelFrame == null ? channelFrame = encode(hub.name, peer, msg.message()) : channelFrame;
                }
                peer.send(frame, accepted);
            }
        }
    }

    /** The message's ts (the accepting server's clock, ms) as epoch millis; 0 when it cannot be read. */
    private static long acceptedMillis(String ts) {
        try {
            return java.time.Instant.parse(ts).toEpochMilli();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /**
     * This node can no longer deliver the room in order: close its connections here (except {@code keep}) with
     * 1013 "resync" after what is queued for them; their clients resume, from any node.
     */
    private void resync(RoomHub hub, Peer keep) {
        List<Peer> out = new ArrayList<>();
        for (var entry : List.copyOf(hub.members.entrySet())) {
            if (entry.getKey() == keep) {
                continue;
            }
            hub.members.remove(entry.getKey());
            RoomHub.Member m = entry.getValue();
            if (m.live() || m.added) {
                engine.presence().leave(hub.name, m.entry, entry.getKey().user());
            } else {
                m.left = true;
            }
            out.add(entry.getKey());
        }
        hub.epoch = null;
        hub.lastId = -1;
        hub.waiting.clear();
        hub.filling = false;
        out.forEach(p -> p.close(TRY_AGAIN_LATER, RESYNC));
        closeIfEmpty(hub);
    }

    // ---- upkeep: presence heartbeat and position checks -----------------------------------------------------

    /**
     * Keeps this node's presence entries alive, and catches messages a lost pub/sub delivery would otherwise hide
     * until the next message: a room whose stored newest id stays above what was delivered here is filled.
     */
    void upkeep() {
        for (RoomHub hub : hubs.values()) {
            hub.serial.execute(() -> {
                if (hub.closed) {
                    return;
                }
                Map<String, String> entries = new HashMap<>();
                hub.members.forEach((peer, m) -> {
                    if (m.live()) {
                        entries.put(m.entry, peer.user());
                    }
                });
                if (!entries.isEmpty()) {
                    engine.presence().refresh(hub.name, entries);
                }
                if (hub.epoch == null || hub.filling) {
                    return;
                }
                long seen = hub.lastId;
                engine.broker().position(hub.name).whenComplete((pos, failure) -> hub.serial.execute(() -> {
                    if (failure != null || hub.closed || hub.epoch == null || hub.filling) {
                        return;
                    }
                    if (pos.epoch() == null || !pos.epoch().equals(hub.epoch)) {
                        resync(hub, null);
                    } else if (pos.top() > hub.lastId && hub.lastId == seen && hub.lastIdAtCheck == seen) {
                        fill(hub, pos.top());
                    }
                    hub.lastIdAtCheck = hub.lastId;
                }));
            });
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** A message frame for {@code peer}: named by the room on /ws/chat, by the peer's channel on /ws. */
    private String encode(String room, Peer peer, StoredMessage m) {
        return encoder.encode(frameOf(room, peer.channel(), m));
    }

    /** @param channel the /ws channel, or null: the frame names the room */
    public static ServerFrame.Message frameOf(String room, String channel, StoredMessage m) {
        return new ServerFrame.Message(channel == null ? room : null, channel, m.id(), m.from(), m.text(), m.ts(),
                m.clientId());
    }

    private static List<ServerFrame.Message> messages(String room, String channel, List<StoredMessage> stored) {
        List<ServerFrame.Message> out = new ArrayList<>(stored.size());
        for (StoredMessage m : stored) {
            out.add(frameOf(room, channel, m));
        }
        return out;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** Rooms with connections on this node (for tests and metrics). */
    public int localRooms() {
        return hubs.size();
    }

    /**
     * A retried clientId: the original is the answer, but it must not overtake the room's stream (sent at once it
     * could arrive before lower ids still on their way here). One this connection has had already goes at once;
     * a newer one reaches it through the stream, in order, like any message.
     */
    private void answerDuplicate(String roomName, Peer peer, StoredMessage original) {
        RoomHub hub = hubs.get(roomName);
        if (hub == null) {
            peer.send(encode(roomName, peer, original));
            return;
        }
        hub.serial.execute(() -> {
            RoomHub.Member m = hub.members.get(peer);
            if (m == null) {
                peer.send(encode(roomName, peer, original));
            } else if (!m.live()) {
                m.duplicates.add(original); // decided when it goes live
            } else if (original.id() <= Math.max(m.fromId, hub.lastId)) {
                peer.send(encode(roomName, peer, original));
            }
        });
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

    /**
     * An error frame answering a send; it carries the send's clientId (when valid) so the client knows which, and
     * on /ws the channel.
     */
    public static String error(String code, String message, String channel, String clientId) {
        String id = clientId != null && checkClientId(clientId) == null ? clientId : null;
        return Json.encode(ErrorFrame.of(code, message, channel, id));
    }
}
