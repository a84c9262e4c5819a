package io.wsshub.channel;

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
import java.util.Set;
import java.util.logging.Logger;

/**
 * {@code wss://host/ws} (docs/protocol.md): one connection, many channels. Thin: the transport admits the
 * connection, {@link ChannelClient} holds its subscriptions and routes its frames.
 */
@Dependent
@ServerEndpoint(value = "/ws", configurator = HandshakeGuard.class, subprotocols = SessionOutbox.BATCH_PROTOCOL)
public class ChannelEndpoint {

    private static final Logger LOG = Logger.getLogger(ChannelEndpoint.class.getName());

    @Inject
    ChannelService channels;
    @Inject
    Connections connections;

    private final ChannelClientFrameDecoder decoder = new ChannelClientFrameDecoder();
    private Connection connection;
    private ChannelClient client;

    @OnOpen
    @SuppressWarnings("unchecked")
    public void open(Session session) throws IOException {
        Connection c = connections.open(session); // authenticated, within the caps, limits set
        if (c == null) {
            return;
        }
        Object roles = session.getUserProperties().get(HandshakeGuard.ROLES);
        connection = c;
        client = channels.connect(c, roles instanceof Set<?> r ? (Set<String>) r : Set.of());
        ChannelClient cl = client;
        connections.whenAdmitted(c, cl::admitted);
    }

    @OnMessage
    public void message(String part, boolean last) {
        if (connection != null) {
            connection.onFrame(part, last, decoder, client::receive);
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
            connections.closed(connection, reason); // first: an admission under way then handles nothing
            client.closed();
        }
    }

    @OnError
    public void error(Session session, Throwable t) {
        Connections.logError(LOG, session, t);
    }
}
