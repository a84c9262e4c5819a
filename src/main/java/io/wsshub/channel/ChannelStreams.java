package io.wsshub.channel;

import io.wsshub.engine.Broker;
import io.wsshub.engine.Broker.StoredMessage;
import io.wsshub.engine.Engine;
import io.wsshub.engine.Presence.Joined;
import io.wsshub.engine.SerialExecutor;
import io.wsshub.engine.TooManyRooms;
import io.wsshub.ops.Metrics;
import io.wsshub.transport.OutFrame;
import io.wsshub.transport.Peer;
import io.wsshub.transport.Timestamps;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Per-channel ordered delivery on one node, for every feature whose channels have a stream (ids, epoch, history,
 * presence in the {@link Engine}'s broker): each local member sees every id once, in order, whichever node
 * stored it, and resumes with since/epoch. What a frame looks like is the feature's {@link StreamFormat}.
 *
 * <p>Each stream's node-side state is a {@link StreamHub} driven by one serial executor. A join adds the member
 * (buffering what arrives for it), subscribes the node to the stream, then asks the engine for the welcome; the
 * welcome goes out, then the buffered events newer than it (merge by id). Every delivered message must be the
 * stream's next id here: a lower one is dropped, a higher one is a gap, filled from the engine's history; a gap
 * that cannot be filled, or another epoch, ends the stream's local members with 1013 "resync" so that their
 * clients resume (docs/cluster.md).
 */
public final class ChannelStreams implements Broker.RoomListener {

    private static final Logger LOG = Logger.getLogger(ChannelStreams.class.getName());
    public static final int TRY_AGAIN_LATER = 1013;
    /** The reason of a close (or, on /ws, of an unsubscribed) that asks the client to resume with since/epoch. */
    public static final String RESYNC = "resync";
    public static final String UNAVAILABLE = "unavailable";
    /** The error code of a publish or subscribe past the user's hourly quota, and a join's close reason. */
    public static final String QUOTA_EXCEEDED = "quota_exceeded";
    public static final String QUOTA_CLOSE = "quota exceeded";

    private final ConcurrentHashMap<String, StreamHub> hubs = new ConcurrentHashMap<>();
    private final Engine engine;
    private final Executor executor;
    private final int welcomeHistory;
    private final int presenceListMax;
    private final int resumeMax;
    /** Events that may wait for one gap fill; past it the stream's members here resume. */
    static final int MAX_WAITING = 10_000;
    private volatile ScheduledExecutorService spread;
    /** The users' hourly quota a join that makes a new room counts against (null: none). */
    private volatile io.wsshub.engine.UserQuota quota;
    private volatile long spreadMillis;

    public ChannelStreams(Engine engine, Executor executor, int welcomeHistory, int presenceListMax) {
        this(engine, executor, welcomeHistory, presenceListMax, Integer.MAX_VALUE);
    }

    /**
     * @param executor runs the streams' serial tasks (a direct one runs everything on the caller)
     * @param welcomeHistory messages in a plain join's welcome
     * @param presenceListMax frames list the members only up to this count
     * @param resumeMax a resume that missed more messages than this is not recovered (chat.resume.max)
     */
    public ChannelStreams(Engine engine, Executor executor, int welcomeHistory, int presenceListMax, int resumeMax) {
        this.resumeMax = resumeMax;
        this.engine = engine;
        this.executor = executor;
        this.welcomeHistory = welcomeHistory;
        this.presenceListMax = presenceListMax;
        engine.broker().onRoom(this);
    }

    /**
     * Spreads the ends of a resync (the 1013 closes, or unsubscribed on /ws) over {@code millis}: otherwise every
     * member here resumes at once, and a resync comes when the store is in trouble.
     */
    public void spreadResyncs(ScheduledExecutorService scheduler, long millis) {
        this.spreadMillis = millis;
        this.spread = scheduler;
    }

    /** Joins that make a new room count against {@code q} (chat.quota.rooms.per.hour). */
    public void meterJoins(io.wsshub.engine.UserQuota q) {
        this.quota = q;
    }

    private String entry(Peer peer) {
        return engine.node() + "/" + peer.id();
    }

    /** The stream's hub, created (and the node subscribed) if there is none. */
    private StreamHub hub(String stream) {
        return hubs.computeIfAbsent(stream, r -> {
            StreamHub h = new StreamHub(r, new SerialExecutor(executor));
            h.subscribed = engine.broker().subscribe(r); // inside compute: ordered with the unsubscribe of a closing hub
            return h;
        });
    }

    /**
     * Welcomes {@code peer} into the stream (then, if this is the user's first member anywhere, the others get a
     * join). Returns at once; a failure closes the peer with 1013 ("unavailable", "too many rooms").
     *
     * @param resume the client's position, or null for a plain join
     */
    public void join(String stream, Peer peer, Resume resume, StreamFormat format) {
        StreamHub hub = hub(stream);
        hub.serial.execute(() -> startJoin(hub, peer, resume, format));
    }

    private void startJoin(StreamHub hub, Peer peer, Resume resume, StreamFormat format) {
        if (hub.closed) {
            join(hub.name, peer, resume, format);
            return;
        }
        StreamHub.Member m = new StreamHub.Member(entry(peer), format);
        hub.members.put(peer, m);
        long since = resume == null ? -1 : resume.since();
        String epoch = resume == null ? null : resume.epoch();
        hub.subscribed
                .thenCompose(v -> engine.presence().join(hub.name, m.entry, peer.user(), since, epoch, welcomeHistory,
                        resumeMax, hub.seen, quota))
                .whenComplete((joined, failure) -> hub.serial.execute(() -> joined(hub, peer, m, joined, failure)));
    }

    private void joined(StreamHub hub, Peer peer, StreamHub.Member m, Joined j, Throwable failure) {
        if (failure != null) {
            Throwable cause = unwrap(failure);
            LOG.log(Level.FINE, "join of " + hub.name + " failed", cause);
            if (hub.members.get(peer) == m) {
                hub.members.remove(peer);
                closeIfEmpty(hub);
            }
            String why = cause instanceof TooManyRooms ? "too many rooms"
                    : cause instanceof io.wsshub.engine.QuotaExceeded ? QUOTA_CLOSE : UNAVAILABLE;
            Metrics.inc(Metrics.HANDSHAKES_REFUSED, why.replace(' ', '_'));
            peer.close(TRY_AGAIN_LATER, why);
            return;
        }
        if (m.left || hub.members.get(peer) != m) { // closed while joining: undo the entry the join added
            engine.presence().leave(hub.name, m.entry, peer.user());
            return;
        }
        m.added = true;
        if (hub.epoch == null) {
            hub.epoch = j.epoch();
            hub.saw(j.top());
            j.history().forEach(hub::stamp);
        } else if (!hub.epoch.equals(j.epoch())) { // the stream's history was lost: everyone here must resume
            resync(hub, peer);
            hub.epoch = j.epoch();
            hub.saw(j.top());
            j.history().forEach(hub::stamp);
            hub.lastPv = -1;
            m.buffer.clear(); // the old epoch's
        }
        peer.send(welcome(hub.name, peer, m.format, j));
        m.fromId = j.top();
        m.fromPv = j.pv();
        long upTo = hub.lastId;
        if (upTo > j.top() && !covers(m.buffer, j.top(), upTo)) {
            // This node delivered ids past this welcome before the member could buffer them (another member's
            // join set the stream's position here while both were joining): read them from history, then go
            // live. New deliveries keep buffering meanwhile.
            String epoch = hub.epoch;
            long from = j.top();
            engine.broker().range(hub.name, from, upTo).whenComplete((list, rangeFailure) -> hub.serial.execute(() -> {
                if (hub.members.get(peer) != m) {
                    return; // closed meanwhile (its entry was removed then)
                }
                if (rangeFailure != null || !epoch.equals(hub.epoch) || !contiguous(list, from, upTo)) {
                    if (rangeFailure == null && epoch.equals(hub.epoch)) {
                        verify(hub); // ids delivered here are gone from the store: did it lose them?
                    }
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
    private void goLive(StreamHub hub, Peer peer, StreamHub.Member m) {
        for (StreamHub.Event e : m.buffer) {
            if (e instanceof StreamHub.Msg msg) {
                sendTo(hub, peer, m, msg.message());
            } else if (e instanceof StreamHub.Pres p && p.pv > m.fromPv) {
                peer.send(presenceFrame(hub.name, peer, m.format, p));
                m.fromPv = p.pv;
            }
        }
        m.buffer = null;
        for (StoredMessage d : m.duplicates) { // retries answered while it joined: the ones it has had by now
            if (d.id() <= Math.max(m.fromId, hub.lastId)) {
                peer.send(m.format.message(hub.name, peer, d));
            }
        }
        m.duplicates.clear();
    }

    private void sendTo(StreamHub hub, Peer peer, StreamHub.Member m, StoredMessage s) {
        if (s.id() > m.fromId) {
            peer.send(m.format.message(hub.name, peer, s), acceptedMillis(s.ts()));
            m.fromId = s.id();
        }
    }

    /** True when the buffered messages hold every id in (after, upTo]. */
    private static boolean covers(List<StreamHub.Event> buffer, long after, long upTo) {
        if (upTo - after > buffer.size()) {
            return false;
        }
        Set<Long> ids = new HashSet<>();
        for (StreamHub.Event e : buffer) {
            if (e instanceof StreamHub.Msg msg) {
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

    private String welcome(String stream, Peer peer, StreamFormat format, Joined j) {
        List<String> members = listed(j.count(), j.members());
        String frame = format.welcome(stream, peer,
                new StreamFormat.Welcome(j.epoch(), j.top(), j.count(), members, j.history(), j.recovered()));
        if (!peer.fits(frame) && Boolean.TRUE.equals(j.recovered())) {
            // A resume this long would overflow the client's queue (and it would retry the same resume forever):
            // answer as to a plain join, with the newest messages, and let it reload.
            List<StoredMessage> history = j.history();
            int n = Math.min(welcomeHistory, history.size());
            frame = format.welcome(stream, peer, new StreamFormat.Welcome(j.epoch(), j.top(), j.count(), members,
                    history.subList(history.size() - n, history.size()), false));
        }
        return frame;
    }

    /** The member list as frames carry it: omitted (null) beyond presence.list.max. */
    private List<String> listed(int count, List<String> members) {
        return count <= presenceListMax ? members : null;
    }

    private String presenceFrame(String stream, Peer peer, StreamFormat format, StreamHub.Pres p) {
        String frame = p.frames.get(format);
        if (frame == null) {
            frame = format.presence(stream, peer, p.change);
            p.frames.put(format, frame);
        }
        return frame;
    }

    /** The member is gone: stop its deliveries; its presence entry is removed (a leave if it was the last). */
    public void leave(String stream, Peer peer) {
        StreamHub hub = hubs.get(stream);
        if (hub == null) {
            return;
        }
        hub.serial.execute(() -> {
            StreamHub.Member m = hub.members.remove(peer);
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

    private void closeIfEmpty(StreamHub hub) {
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
     * A retried publish: the original is the answer, but it must not overtake the stream (sent at once it could
     * arrive before lower ids still on their way here). One the member has had already goes at once; a newer one
     * reaches it through the stream, in order, like any message.
     *
     * @param format the frame of a peer that is not (or no longer) a member
     */
    public void answerDuplicate(String stream, Peer peer, StoredMessage original, StreamFormat format) {
        StreamHub hub = hubs.get(stream);
        if (hub == null) {
            peer.send(format.message(stream, peer, original));
            return;
        }
        hub.serial.execute(() -> {
            StreamHub.Member m = hub.members.get(peer);
            if (m == null) {
                peer.send(format.message(stream, peer, original));
            } else if (!m.live()) {
                m.duplicates.add(original); // decided when it goes live
            } else if (original.id() <= Math.max(m.fromId, hub.lastId)) {
                peer.send(m.format.message(stream, peer, original));
            }
        });
    }

    // ---- deliveries (engine callbacks: possibly on an engine thread, so hand over at once) --------------------

    @Override
    public void message(String stream, String epoch, StoredMessage message) {
        StreamHub hub = hubs.get(stream);
        if (hub != null) {
            hub.serial.execute(() -> onEvent(hub, new StreamHub.Msg(epoch, message)));
        }
    }

    @Override
    public void presence(String stream, String epoch, long pv, String event, String user, int count,
                         List<String> members) {
        StreamHub hub = hubs.get(stream);
        if (hub != null) {
            StreamFormat.PresenceChange change = new StreamFormat.PresenceChange(event, user, count,
                    listed(count, members));
            hub.serial.execute(() -> onEvent(hub, new StreamHub.Pres(epoch, pv, change)));
        }
    }

    private void onEvent(StreamHub hub, StreamHub.Event e) {
        if (hub.closed) {
            return;
        }
        if (hub.waiting.size() >= MAX_WAITING) { // a gap the store cannot fill for a long while
            LOG.warning(() -> "stream " + hub.name + ": " + MAX_WAITING + " events wait for a gap to be filled: its "
                    + "members here resume");
            resync(hub, null);
            return;
        }
        hub.waiting.add(e); // behind what already waits: in the order they came
        drainWaiting(hub);
    }

    private void drainWaiting(StreamHub hub) {
        while (!hub.closed && hub.epoch != null && !hub.filling && !hub.waiting.isEmpty()) {
            process(hub, hub.waiting.poll());
        }
    }

    private void process(StreamHub hub, StreamHub.Event e) {
        if (e instanceof StreamHub.Pres p) {
            // Each presence frame carries the whole state (count, members): an older one that arrives after a
            // newer one would undo it (a join shown after the leave that followed it), so it is dropped.
            if (p.pv <= hub.lastPv) {
                return;
            }
            hub.lastPv = p.pv;
            for (var entry : hub.members.entrySet()) {
                StreamHub.Member m = entry.getValue();
                if (!m.live()) {
                    m.buffer.add(p);
                } else if (p.pv > m.fromPv) {
                    entry.getKey().send(presenceFrame(hub.name, entry.getKey(), m.format, p));
                    m.fromPv = p.pv;
                }
            }
            return;
        }
        StreamHub.Msg msg = (StreamHub.Msg) e;
        long id = msg.message().id();
        if (!msg.epoch().equals(hub.epoch)) {
            LOG.warning(() -> "stream " + hub.name + ": epoch changed (" + hub.epoch + " -> " + msg.epoch()
                    + "): its members here resume");
            resync(hub, null);
            return;
        }
        if (id <= hub.lastId) {
            // Delivered already (a gap fill overtook it, or a duplicate) — unless the store lost that id and gave it
            // to another message: then the members here would silently miss the new one.
            int same = hub.sameAsDelivered(msg.message());
            if (same < 0) {
                rollback(hub, "id " + id + " came back with another message", true);
            } else if (same == 0) {
                verify(hub);
            }
            return;
        }
        if (id > hub.lastId + 1) {
            hub.waiting.addFirst(msg);
            fill(hub, id - 1);
            return;
        }
        deliver(hub, msg);
    }

    /** Reads the missing ids up to {@code upTo} from history; meanwhile events wait. */
    private void fill(StreamHub hub, long upTo) {
        hub.filling = true;
        long from = hub.lastId;
        String epoch = hub.epoch;
        engine.broker().range(hub.name, from, upTo).whenComplete((list, failure) -> hub.serial.execute(() -> {
            if (hub.closed || !epoch.equals(hub.epoch)) {
                return;
            }
            hub.filling = false;
            if (failure != null) {
                // The store did not answer (slow, or gone for a moment): the events wait and the fill is tried
                // again by the next event or position check. Ending every member here at once would send them all
                // back to resume together, into the same slow store.
                LOG.log(Level.FINE, "stream " + hub.name + ": filling ids " + (from + 1) + ".." + upTo
                        + " failed; tried again later", failure);
                return;
            }
            if (!contiguous(list, from, upTo)) {
                LOG.warning(() -> "stream " + hub.name + ": ids " + (from + 1) + ".." + upTo
                        + " cannot be read from history: its members here resume");
                resync(hub, null);
                return;
            }
            for (StoredMessage m : list) {
                deliver(hub, new StreamHub.Msg(epoch, m));
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

    private void deliver(StreamHub hub, StreamHub.Msg msg) {
        long id = msg.message().id();
        hub.saw(id);
        hub.stamp(msg.message());
        StreamHub.Frames<OutFrame> frames = null; // members of one format share one encoded frame
        long accepted = 0;
        for (var entry : hub.members.entrySet()) {
            StreamHub.Member m = entry.getValue();
            Peer peer = entry.getKey();
            if (!m.live()) {
                m.buffer.add(msg);
            } else if (id > m.fromId) {
                if (frames == null) {
                    frames = new StreamHub.Frames<>();
                    accepted = acceptedMillis(msg.message().ts());
                }
                OutFrame frame = frames.get(m.format);
                if (frame == null) {
                    frame = OutFrame.of(m.format.message(hub.name, peer, msg.message()), accepted);
                    frames.put(m.format, frame);
                }
                peer.send(frame);
            }
        }
    }

    /** The message's ts (the accepting server's clock, ms) as epoch millis; 0 when it cannot be read. */
    private static long acceptedMillis(String ts) {
        return Timestamps.parseMillis(ts);
    }

    /**
     * This node can no longer deliver the stream in order: end its members here (except {@code keep}) with 1013
     * "resync" after what is queued for them; their clients resume, from any node.
     */
    private void resync(StreamHub hub, Peer keep) {
        List<Peer> out = new ArrayList<>();
        for (var entry : List.copyOf(hub.members.entrySet())) {
            if (entry.getKey() == keep) {
                continue;
            }
            hub.members.remove(entry.getKey());
            StreamHub.Member m = entry.getValue();
            if (m.live() || m.added) {
                engine.presence().leave(hub.name, m.entry, entry.getKey().user());
            } else {
                m.left = true;
            }
            out.add(entry.getKey());
        }
        hub.epoch = null;
        hub.lastId = -1;
        hub.lastPv = -1;
        hub.waiting.clear();
        hub.filling = false;
        ScheduledExecutorService later = spread;
        for (Peer p : out) {
            if (later == null || out.size() == 1) {
                p.close(TRY_AGAIN_LATER, RESYNC);
            } else { // spread out, so that a big room's members do not all resume in the same instant
                later.schedule(() -> p.close(TRY_AGAIN_LATER, RESYNC),
                        ThreadLocalRandom.current().nextLong(spreadMillis), TimeUnit.MILLISECONDS);
            }
        }
        closeIfEmpty(hub);
    }

    /**
     * The store lost messages this node delivered (a Redis restarted from an older file, a failover to a replica
     * that lagged): delivering on would hand members new messages under ids they saw with others, and the
     * duplicate check would drop them. The room is healed (a new epoch, ids above what was seen here: nobody's id
     * names two messages) and its members here resume, which tells their clients {@code recovered:false}. A store
     * that still has the messages and lost only the mark that made them visible (redis.ack.replicas) is set right
     * by the heal with its epoch unchanged: then nothing was lost and the members stay.
     *
     * @param reused an id delivered here came back with another message: lost, whatever the store says now
     */
    private void rollback(StreamHub hub, String why, boolean reused) {
        Broker.Position seen = new Broker.Position(hub.epoch, hub.lastId);
        if (reused) {
            lost(hub, seen, why);
            engine.broker().heal(hub.name, seen).exceptionally(e -> {
                LOG.log(Level.FINE, "heal of " + hub.name + " failed (the members' joins heal it)", e);
                return null;
            });
            resync(hub, null);
            return;
        }
        engine.broker().heal(hub.name, seen).whenComplete((after, failure) -> hub.serial.execute(() -> {
            if (failure == null && seen.epoch() != null && seen.epoch().equals(after.epoch())
                    && after.top() >= seen.top()) {
                LOG.info(() -> "stream " + hub.name + ": the store had the messages delivered here up to id "
                        + seen.top() + " but showed fewer (" + why + "): shown again, nothing lost");
                return;
            }
            lost(hub, seen, why);
            if (failure != null) {
                LOG.log(Level.FINE, "heal of " + hub.name + " failed (the members' joins heal it)", failure);
            }
            if (!hub.closed && seen.epoch() != null && seen.epoch().equals(hub.epoch)) {
                resync(hub, null);
            }
        }));
    }

    private static void lost(StreamHub hub, Broker.Position seen, String why) {
        LOG.warning(() -> "stream " + hub.name + ": the store lost messages delivered here up to id " + seen.top()
                + " (" + why + "): it gets a new epoch and its members here resume");
        Metrics.inc(Metrics.ENGINE_ROLLBACKS, "chat");
    }

    /**
     * A delivery this node cannot match (an id older than the stamps it keeps): checks that the store still holds
     * what was delivered here. One check per stream at a time.
     */
    private void verify(StreamHub hub) {
        if (hub.verifying) {
            return;
        }
        hub.verifying = true;
        String epoch = hub.epoch;
        long seen = hub.lastId;
        engine.broker().position(hub.name).whenComplete((pos, failure) -> hub.serial.execute(() -> {
            hub.verifying = false;
            if (failure == null && !hub.closed && epoch.equals(hub.epoch) && epoch.equals(pos.epoch())
                    && pos.top() < seen) {
                rollback(hub, "the store is back at id " + pos.top(), false);
            }
        }));
    }

    /** The stream as this node last delivered it (null: no member here has seen it): see Broker#publish. */
    public Broker.Position seen(String stream) {
        StreamHub hub = hubs.get(stream);
        return hub == null ? null : hub.seen;
    }

    // ---- upkeep: presence heartbeat and position checks -----------------------------------------------------

    /**
     * Keeps this node's presence entries alive, and catches messages a lost pub/sub delivery would otherwise hide
     * until the next message: a stream whose stored newest id stays above what was delivered here is filled.
     * Its owner calls it on a schedule, well within presence.ttl.seconds.
     */
    public void upkeep() {
        for (StreamHub hub : hubs.values()) {
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
                checkPosition(hub, false);
            });
        }
    }

    /**
     * The node's subscriptions were re-established (Redis reconnected, a failover): what was published meanwhile
     * never reached this node. Every stream is checked now and filled at once, instead of at the next message or
     * the upkeep's second look.
     */
    @Override
    public void resubscribed() {
        for (StreamHub hub : hubs.values()) {
            hub.serial.execute(() -> {
                if (!hub.closed) {
                    checkPosition(hub, true);
                }
            });
        }
    }

    /**
     * Compares the store's position with what was delivered here: lost state heals, another epoch resyncs, and a
     * store ahead is filled — at once when {@code eager}, else only when it was ahead at the previous check too
     * (a message on its way by pub/sub is not read twice). On the hub's executor.
     */
    private void checkPosition(StreamHub hub, boolean eager) {
        if (hub.epoch == null || hub.filling) {
            return;
        }
        drainWaiting(hub); // a fill that failed is tried again
        if (hub.filling) {
            return;
        }
        long seen = hub.lastId;
        engine.broker().position(hub.name).whenComplete((pos, failure) -> hub.serial.execute(() -> {
            if (failure != null || hub.closed || hub.epoch == null || hub.filling) {
                return;
            }
            if (pos.epoch() == null || (pos.epoch().equals(hub.epoch) && pos.top() < seen)) {
                rollback(hub, pos.epoch() == null ? "the store has no state for it"
                        : "the store is back at id " + pos.top(), false);
            } else if (!pos.epoch().equals(hub.epoch)) {
                resync(hub, null);
            } else if (pos.top() > hub.lastId && hub.lastId == seen && (eager || hub.lastIdAtCheck == seen)) {
                fill(hub, pos.top());
            }
            hub.lastIdAtCheck = hub.lastId;
        }));
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** Streams with members on this node (for tests and metrics). */
    public int localStreams() {
        return hubs.size();
    }
}
