package io.wsshub.chat;

import io.wsshub.channel.ChannelStreams;
import io.wsshub.channel.Resume;
import io.wsshub.channel.StreamFormat;
import io.wsshub.engine.Broker;
import io.wsshub.engine.Engine;
import io.wsshub.engine.Broker.StoredMessage;
import io.wsshub.engine.EngineUnavailable;
import io.wsshub.transport.ErrorFrame;
import io.wsshub.transport.Json;
import io.wsshub.transport.Peer;
import io.wsshub.transport.Timestamps;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The chat rules on one node: validation and storing of messages, and the frames of chat-like channels. Their
 * ordered delivery to this node's members (gap fill, resume, resync) is the channel core's {@link ChannelStreams};
 * what is shared — ids, epoch, history, de-duplication, presence — is the {@link Engine}'s.
 */
@ApplicationScoped
public class ChatService {

    private static final Logger LOG = Logger.getLogger(ChatService.class.getName());
    public static final String INVALID_TEXT = "invalid_text";
    public static final String INVALID_CLIENT_ID = "invalid_client_id";
    public static final String UNAVAILABLE = ChannelStreams.UNAVAILABLE;
    public static final String QUOTA_EXCEEDED = ChannelStreams.QUOTA_EXCEEDED;
    public static final int TRY_AGAIN_LATER = ChannelStreams.TRY_AGAIN_LATER;
    /** The reason of a close (or, on /ws, of an unsubscribed) that asks the client to resume with since/epoch. */
    public static final String RESYNC = ChannelStreams.RESYNC;
    static final int MAX_CLIENT_ID = 64;

    private ChatSettings settings;
    private Engine engine;
    private Clock clock;
    private Executor executor;
    private ChannelStreams streams;
    private final ServerFrameEncoder encoder = new ServerFrameEncoder();
    /** /ws/chat: frames name the room. */
    private final StreamFormat roomFormat = new Format(false);
    /** /ws: frames name the subscription's channel. */
    private final StreamFormat channelFormat = new Format(true);

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
        this.streams = new ChannelStreams(engine, executor, settings.welcomeHistory(), settings.presenceListMax(),
                settings.resumeMax());
        streams.meterJoins(settings.quota());
    }

    /** A resync's closes are spread over this long (ChannelStreams#spreadResyncs). */
    static final long RESYNC_SPREAD_MILLIS = 2000;

    @PostConstruct
    void start() {
        executor = managedExecutor;
        streams = new ChannelStreams(engine, executor, settings.welcomeHistory(), settings.presenceListMax(),
                settings.resumeMax());
        streams.spreadResyncs(scheduler, RESYNC_SPREAD_MILLIS);
        streams.meterJoins(settings.quota());
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

    private StreamFormat formatOf(Peer peer) {
        return peer.channel() == null ? roomFormat : channelFormat;
    }

    /**
     * Welcomes {@code peer} into the room (then, if this is the user's first connection anywhere, the others get a
     * join). Returns at once; a failure closes the connection with 1013 ("unavailable", "too many rooms").
     *
     * @param roomName a room name, or the whole name of another chat-like /ws channel (checked by the channel core)
     * @param resume the client's position, or null for a plain join
     */
    public void join(String roomName, Peer peer, Resume resume) {
        if (!Room.validName(roomName) && (roomName == null || roomName.indexOf(':') <= 0)) {
            throw new IllegalArgumentException("invalid room name");
        }
        streams.join(roomName, peer, resume, formatOf(peer));
    }

    /** The connection closed: stop its deliveries; its presence entry is removed (a leave if it was the last). */
    public void leave(String roomName, Peer peer) {
        streams.leave(roomName, peer);
    }

    /** Keeps this node's presence entries alive and checks each room's position (see ChannelStreams#upkeep). */
    void upkeep() {
        streams.upkeep();
    }

    /** Rooms with connections on this node (for tests and metrics). */
    public int localRooms() {
        return streams.localStreams();
    }

    /** The frames of chat-like channels: named by the room on /ws/chat, by the subscription's channel on /ws. */
    private final class Format implements StreamFormat {
        private final boolean channel;

        Format(boolean channel) {
            this.channel = channel;
        }

        @Override
        public String welcome(String room, Peer peer, Welcome w) {
            List<ServerFrame.Message> history = messages(room, peer.channel(), w.history());
            return encoder.encode(channel
                    ? new ServerFrame.Subscribed(peer.channel(), w.members(), w.count(), history, w.lastId(),
                            w.epoch(), w.recovered())
                    : new ServerFrame.Welcome(room, peer.user(), w.members(), w.count(), history, w.lastId(),
                            w.epoch(), w.recovered()));
        }

        @Override
        public String message(String room, Peer peer, StoredMessage m) {
            return encoder.encode(frameOf(room, channel ? peer.channel() : null, m));
        }

        @Override
        public String presence(String room, Peer peer, PresenceChange p) {
            return encoder.encode(new ServerFrame.Presence(channel ? null : room, channel ? peer.channel() : null,
                    p.event(), p.user(), p.count(), p.members()));
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
        store(roomName, peer.user(), send.text().strip(), send.clientId(), settings.quota())
                .whenCompleteAsync((p, failure) -> {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    if (cause instanceof io.wsshub.engine.QuotaExceeded q) {
                        peer.send(error(QUOTA_EXCEEDED, "over your hourly quota of " + (q.rooms()
                                ? settings.quota().roomsPerHour() + " new rooms"
                                : settings.quota().bytesPerHour() + " bytes of messages")
                                + " (chat.quota.*): nothing was stored", peer.channel(), send.clientId()));
                    } else if (failure != null) {
                        peer.send(error(UNAVAILABLE, "the message store is unavailable: send it again later",
                                peer.channel(), send.clientId()));
                    } else if (p.duplicate()) {
                        streams.answerDuplicate(roomName, peer, p.message(), formatOf(peer));
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
        return store(roomName, user, text, clientId, null);
    }

    /** @param quota the user's hourly quota (null: not metered, as for the server API) */
    private CompletionStage<Broker.Published> store(String roomName, String user, String text, String clientId,
                                                    io.wsshub.engine.UserQuota quota) {
        return engine.broker().publish(roomName, user, text, Timestamps.format(clock.millis()), clientId,
                streams.seen(roomName), quota).whenComplete((p, failure) -> {
            if (failure != null) {
                LOG.log(Level.FINE, "publish to " + roomName + " failed",
                        failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
                io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.MESSAGES_DROPPED, "unavailable");
            }
        });
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
