package io.wsshub.game;

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

/** {@code wss://host/ws/game} (docs/protocol.md): Connect Four. Thin, like the chat and market endpoints. */
@Dependent
@ServerEndpoint(value = "/ws/game", configurator = HandshakeGuard.class, subprotocols = SessionOutbox.BATCH_PROTOCOL)
public class GameEndpoint {

    private static final Logger LOG = Logger.getLogger(GameEndpoint.class.getName());

    @Inject
    GameService game;
    @Inject
    Connections connections;

    private final GameFrameDecoder decoder = new GameFrameDecoder();
    private Connection connection;
    private volatile boolean joined;

    @OnOpen
    public void open(Session session) throws IOException {
        Connection c = connections.open(session);
        if (c != null) {
            connection = c;
            connections.whenAdmitted(c, () -> {
                joined = true;
                game.connect(c.outbox());
            });
        }
    }

    @OnMessage
    public void message(String part, boolean last) {
        if (connection != null) {
            connection.onFrame(part, last, decoder, frame -> {
                if (joined) {
                    game.handle(connection.outbox(), frame);
                } else { // a socket the cluster-wide cap may still refuse plays nothing
                    connection.error("unavailable", "not connected yet: play after the welcome");
                }
            });
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
            connections.closed(connection, reason); // first: an admission under way then connects nothing
            game.disconnect(connection.outbox());
        }
    }

    @OnError
    public void error(Session session, Throwable t) {
        Connections.logError(LOG, session, t);
    }
}
