package io.wsshub.market;

import io.wsshub.security.HandshakeGuard;
import io.wsshub.transport.Connection;
import io.wsshub.transport.Connections;
import io.wsshub.transport.SessionOutbox;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.logging.Logger;

/** {@code wss://host/ws/market} (docs/protocol.md): subscriptions to live quotes. Thin, like the chat endpoint. */
@Dependent
@ServerEndpoint(value = "/ws/market", configurator = HandshakeGuard.class,
        subprotocols = SessionOutbox.BATCH_PROTOCOL)
public class MarketEndpoint {

    private static final Logger LOG = Logger.getLogger(MarketEndpoint.class.getName());

    @Inject
    MarketService market;
    @Inject
    Connections connections;

    private final MarketFrameDecoder decoder = new MarketFrameDecoder();
    private Connection connection;
    private Subscriber subscriber;

    @OnOpen
    public void open(Session session) throws IOException {
        Connection c = connections.open(session);
        if (c != null) {
            connection = c;
            subscriber = market.connect(c.outbox());
            connections.whenAdmitted(c, () -> { }); // over the cluster-wide per-user cap: closed 1013
        }
    }

    @OnMessage
    public void message(String part, boolean last) {
        if (connection != null) {
            connection.onFrame(part, last, decoder, this::handle);
        }
    }

    private void handle(MarketClientFrame frame) {
        if (frame instanceof MarketClientFrame.Subscribe s) {
            market.subscribe(subscriber, s.symbols());
        } else if (frame instanceof MarketClientFrame.Unsubscribe u) {
            market.unsubscribe(subscriber, u.symbols());
        }
    }

    @OnMessage
    public void binary(ByteBuffer part, boolean last) {
        if (connection != null) {
            connection.onBinary(last);
        }
    }

    @OnMessage
    public void pong(PongMessage pong) {
        if (connection != null) {
            connection.touched();
        }
    }

    @OnClose
    public void close(Session session, CloseReason reason) {
        if (connection != null) {
            connections.closed(connection, reason);
            market.disconnect(subscriber);
        }
    }

    @OnError
    public void error(Session session, Throwable t) {
        Connections.logError(LOG, session, t);
    }
}
