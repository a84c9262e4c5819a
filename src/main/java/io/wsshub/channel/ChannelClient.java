package io.wsshub.channel;

import io.wsshub.channel.ChannelClientFrame.Ping;
import io.wsshub.channel.ChannelClientFrame.Publish;
import io.wsshub.channel.ChannelClientFrame.Subscribe;
import io.wsshub.channel.ChannelClientFrame.Unsubscribe;
import io.wsshub.chat.ChatService;
import io.wsshub.chat.ClientFrame;
import io.wsshub.channel.Resume;
import io.wsshub.market.MarketService;
import io.wsshub.market.Subscriber;
import io.wsshub.transport.Connection;
import io.wsshub.transport.ErrorFrame;
import io.wsshub.transport.Json;
import io.wsshub.transport.SessionOutbox;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One /ws connection's subscriptions: which channels it holds and what each is (a chat-like {@link ChannelPeer}
 * or a market symbol), the permission checks, and the routing of its frames to the feature services. Frames are
 * handled one at a time (the container serializes a session's callbacks); the services end a subscription from
 * their own threads through {@link #endedByServer}, hence the concurrent map.
 */
public final class ChannelClient {

    public static final String FORBIDDEN = "forbidden";
    public static final String INVALID_CHANNEL = "invalid_channel";
    public static final String TOO_MANY_CHANNELS = "too_many_channels";
    public static final String NOT_SUBSCRIBED = "not_subscribed";
    /** Frames a client may send before its admission completes (held, then handled in order). */
    static final int MAX_EARLY_FRAMES = 32;

    private final ChannelService services;
    private final Connection connection;
    private final Set<String> roles;
    /** channel -> ChannelPeer (chat-like) or ChannelName (market). */
    private final Map<String, Object> subscriptions = new ConcurrentHashMap<>();
    /** The connection's quotes and their conflation; created with its first market: subscription. */
    private Subscriber market;
    private long generation;
    /** Guarded by this: frames that arrived before the admission (null once admitted). */
    private List<ChannelClientFrame> early = new ArrayList<>();
    /**
     * Guarded by this: the socket closed. A subscription is added and its join started under the same monitor, so
     * a close never misses one (a join started after the close would leave a ghost member).
     */
    private boolean closed;

    ChannelClient(ChannelService services, Connection connection, Set<String> roles) {
        this.services = services;
        this.connection = connection;
        this.roles = roles;
    }

    String user() {
        return connection.user();
    }

    SessionOutbox outbox() {
        return connection.outbox();
    }

    /**
     * The cluster admitted the connection: its connected frame, then the frames that came before it, in order.
     * Frames arriving meanwhile join the held ones until none is left, so no two frames are ever handled at once.
     * It runs under the connection's monitor (Connection.runIfOpen, ordered with the close); what it sends is
     * queued and written asynchronously, so nothing waits on the network there.
     */
    void admitted() {
        outbox().send(services.connectedFrame(user()));
        while (true) {
            List<ChannelClientFrame> held;
            synchronized (this) {
                held = early;
                if (closed) {
                    return; // closed while the cluster was asked: nothing of it is handled
                }
                if (held.isEmpty()) {
                    early = null; // from now on the socket's own callbacks handle its frames
                    return;
                }
                early = new ArrayList<>();
            }
            held.forEach(this::handle);
        }
    }

    /** A decoded frame from the client. */
    public void receive(ChannelClientFrame frame) {
        synchronized (this) {
            if (early != null) {
                if (early.size() < MAX_EARLY_FRAMES) {
                    early.add(frame);
                } else {
                    outbox().send(Json.encode(ErrorFrame.of(io.wsshub.transport.Connection.RATE_LIMITED,
                            "wait for the connected frame")));
                }
                return;
            }
        }
        handle(frame);
    }

    private void handle(ChannelClientFrame frame) {
        if (frame instanceof Subscribe s) {
            subscribe(s);
        } else if (frame instanceof Unsubscribe u) {
            unsubscribe(u.channel());
        } else if (frame instanceof Publish p) {
            publish(p);
        } else if (frame instanceof Ping) {
            outbox().send(ChannelService.PONG);
        }
    }

    private ChannelName parse(String channel, String clientId) {
        try {
            return ChannelName.parse(channel, services.settings().roles());
        } catch (ChannelName.Invalid e) {
            error(INVALID_CHANNEL, e.getMessage(), channel, clientId);
            return null;
        }
    }

    private void subscribe(Subscribe s) {
        ChannelName c = parse(s.channel(), null);
        if (c == null) {
            return;
        }
        if (!ChannelPolicy.maySubscribe(c, user(), roles::contains)) {
            error(FORBIDDEN, "you may not subscribe to " + c.channel(), c.channel(), null);
            return;
        }
        if (s.since() != null && s.since() < 0) {
            error(ErrorFrame.BAD_JSON, "since must be a message id", c.channel(), null);
            return;
        }
        Object old = subscriptions.get(c.channel());
        if (old == null && subscriptions.size() >= services.settings().maxPerConnection()) {
            error(TOO_MANY_CHANNELS, "at most " + services.settings().maxPerConnection()
                    + " channels per connection", c.channel(), null);
            return;
        }
        if (!c.chatLike()) {
            if (market == null) {
                market = services.market().connectChannels(outbox());
            }
            if (!services.market().subscribeChannel(market, c.name(), view -> services.marketSubscribed(c, view))) {
                error(MarketService.UNKNOWN_SYMBOL, "no such symbol", c.channel(), null);
                return;
            }
            synchronized (this) {
                if (closed) { // closed meanwhile: its disconnect may have missed this symbol
                    services.market().unsubscribe(market, List.of(c.name()));
                    return;
                }
                subscriptions.put(c.channel(), c);
            }
            return;
        }
        ChannelPeer peer = new ChannelPeer(this, c, connection.id() + "/" + ++generation);
        Resume resume = s.since() == null ? null : new Resume(s.since(), s.epoch() == null ? "" : s.epoch());
        synchronized (this) { // join only queues work on the room's executor: nothing is written under the monitor
            if (closed) {
                return;
            }
            subscriptions.put(c.channel(), peer);
            services.chat().join(c.room(), peer, resume);
        }
        if (old instanceof ChannelPeer previous) {
            // subscribed again: the new subscription's welcome replaces it (joined first, so presence holds)
            previous.end(null);
            services.chat().leave(c.room(), previous);
        }
    }

    /** Answers unsubscribed whether or not the channel was subscribed. */
    private void unsubscribe(String channel) {
        if (channel == null) {
            error(INVALID_CHANNEL, "channel is required", null, null);
            return;
        }
        String done = Json.encode(new ChannelFrame.Unsubscribed(channel, null));
        Object old = subscriptions.remove(channel);
        if (old instanceof ChannelPeer p) {
            p.end(done);
            services.chat().leave(p.name.room(), p);
            return;
        }
        if (old instanceof ChannelName c) {
            services.market().unsubscribe(market, List.of(c.name())); // no quote of it is queued after this
        }
        outbox().send(done);
    }

    private void publish(Publish p) {
        ChannelName c = parse(p.channel(), p.clientId());
        if (c == null) {
            return;
        }
        if (!ChannelPolicy.mayPublish(c, user(), roles::contains)) {
            error(FORBIDDEN, "you may not publish in " + c.channel(), c.channel(), p.clientId());
            return;
        }
        if (!(subscriptions.get(c.channel()) instanceof ChannelPeer peer)) {
            error(NOT_SUBSCRIBED, "subscribe to " + c.channel() + " before publishing in it", c.channel(),
                    p.clientId());
            return;
        }
        services.chat().send(c.room(), peer, new ClientFrame.Send(p.text(), p.clientId()));
    }

    /** The chat service ended a subscription (from its thread): resync, or the join could not be had. */
    void endedByServer(ChannelPeer peer, String reason) {
        if (!subscriptions.remove(peer.channel(), peer)) {
            peer.end(null); // replaced or unsubscribed meanwhile: that answer was sent already
            return;
        }
        if (ChatService.RESYNC.equals(reason)) {
            peer.end(Json.encode(new ChannelFrame.Unsubscribed(peer.channel(), reason)));
        } else if (ChannelStreams.QUOTA_CLOSE.equals(reason)) {
            peer.end(ChatService.error(ChatService.QUOTA_EXCEEDED, "over your hourly quota of new rooms "
                    + "(chat.quota.rooms.per.hour): nothing was subscribed", peer.channel(), null));
        } else {
            peer.end(ChatService.error(ChatService.UNAVAILABLE, "the channel cannot be joined now (" + reason
                    + "): subscribe again later", peer.channel(), null));
        }
    }

    /** The socket closed: every subscription ends (presence entries removed, a leave where it was the last). */
    public void closed() {
        List<Object> ended;
        Subscriber quotes;
        synchronized (this) {
            closed = true;
            ended = List.copyOf(subscriptions.values());
            subscriptions.clear();
            quotes = market;
        }
        for (Object s : ended) {
            if (s instanceof ChannelPeer p) {
                p.end(null);
                services.chat().leave(p.name.room(), p); // queued after its join: a join under way is undone
            }
        }
        if (quotes != null) {
            services.market().disconnect(quotes);
        }
    }

    private void error(String code, String message, String channel, String clientId) {
        outbox().send(ChatService.error(code, message, channel, clientId));
    }

    /** Channels subscribed now (for tests). */
    int subscriptionCount() {
        return subscriptions.size();
    }
}
