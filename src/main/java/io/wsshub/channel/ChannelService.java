package io.wsshub.channel;

import io.wsshub.chat.ChatService;
import io.wsshub.chat.ChatSettings;
import io.wsshub.engine.Engine;
import io.wsshub.market.MarketFrame;
import io.wsshub.market.MarketService;
import io.wsshub.transport.Connection;
import io.wsshub.transport.Connections;
import io.wsshub.transport.Json;
import io.wsshub.transport.TransportSettings;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason.CloseCodes;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The channel server's shared parts: the services a /ws connection's channels plug into, the settings, and the
 * operator's disconnect of a user on every node.
 */
@ApplicationScoped
public class ChannelService {

    static final String PONG = Json.encode(new ChannelFrame.Pong());
    public static final String DISCONNECTED = "disconnected";

    @Inject
    ChatService chat;
    @Inject
    MarketService market;
    @Inject
    ChannelSettings settings;
    @Inject
    ChatSettings chatSettings;
    @Inject
    TransportSettings transport;
    @Inject
    Engine engine;
    @Inject
    Connections connections;

    @PostConstruct
    void start() {
        engine.connections().onDisconnect(user -> connections.closeUser(user, CloseCodes.VIOLATED_POLICY, DISCONNECTED));
    }

    /** Created with the application, so a disconnect from another node is heard before any /ws client. */
    void eager(@Observes @Initialized(ApplicationScoped.class) Object started) {
        // the observer's bean is created to run it, which registers the disconnect listener
    }

    /** A new /ws connection; {@link ChannelClient#admitted} once the cluster admitted it. */
    public ChannelClient connect(Connection c, Set<String> roles) {
        return new ChannelClient(this, c, roles);
    }

    /**
     * Closes every socket of {@code user} with 1008 "disconnected" on every node. Completes with the number of
     * sockets this node closed; fails with EngineUnavailable when the other nodes could not be told.
     */
    public CompletionStage<Integer> disconnect(String user) {
        int n = connections.closeUser(user, CloseCodes.VIOLATED_POLICY, DISCONNECTED);
        return engine.connections().disconnect(user).thenApply(v -> n);
    }

    String connectedFrame(String user) {
        return Json.encode(new ChannelFrame.Connected(user, new ChannelFrame.Limits(settings.maxPerConnection(),
                chatSettings.maxTextChars(), transport.maxFrameBytes(), transport.ratePerSecond())));
    }

    String marketSubscribed(ChannelName c, MarketFrame.QuoteView view) {
        return Json.encode(new ChannelFrame.MarketSubscribed(c.channel(), view));
    }

    ChatService chat() {
        return chat;
    }

    MarketService market() {
        return market;
    }

    public ChannelSettings settings() {
        return settings;
    }
}
