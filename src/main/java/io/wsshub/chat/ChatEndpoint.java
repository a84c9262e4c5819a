package io.wsshub.chat;

import io.wsshub.channel.Resume;
import io.wsshub.security.HandshakeGuard;
import io.wsshub.transport.Connection;
import io.wsshub.transport.Connections;
import io.wsshub.transport.SessionOutbox;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.CloseReason.CloseCodes;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.PathParam;
import jakarta.websocket.server.ServerEndpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.logging.Logger;

/**
 * {@code wss://host/ws/chat/{room}} (docs/protocol.md). Thin: it checks the handshake's room and principal,
 * decodes frames and hands them to {@link ChatService}; everything it sends goes through the connection's
 * {@link Connection}. One instance per connection (a CDI bean, so injection works).
 */
@Dependent
@ServerEndpoint(value = "/ws/chat/{room}", configurator = HandshakeGuard.class,
        subprotocols = SessionOutbox.BATCH_PROTOCOL)
public class ChatEndpoint {

    private static final Logger LOG = Logger.getLogger(ChatEndpoint.class.getName());

    @Inject
    ChatService chat;
    @Inject
    Connections connections;

    private final ClientFrameDecoder decoder = new ClientFrameDecoder();
    private String room;
    private Connection connection;
    /** Frames a client may send before its admission completes (held, then handled in order). */
    static final int MAX_EARLY_SENDS = 32;
    /** Guarded by this: the cluster admitted the connection and its join started. */
    private boolean joined;
    /** Guarded by this: sends that came before that (a client re-sending its unacknowledged messages at once). */
    private final java.util.List<ClientFrame.Send> early = new java.util.ArrayList<>();

    @OnOpen
    public void open(Session session, @PathParam("room") String room) throws IOException {
        if (!ChatService.validRoom(room)) {
            session.close(new CloseReason(CloseCodes.VIOLATED_POLICY, "invalid room name"));
            return;
        }
        Resume resume;
        try {
            resume = Resume.fromQuery(session.getRequestParameterMap());
        } catch (IllegalArgumentException e) {
            session.close(new CloseReason(CloseCodes.VIOLATED_POLICY, e.getMessage()));
            return;
        }
        Connection c = connections.open(session); // authenticated, within the caps, limits set
        if (c == null) {
            return;
        }
        this.room = room;
        this.connection = c;
        connections.whenAdmitted(c, () -> {
            synchronized (this) { // a send arriving meanwhile waits, so the early ones keep their order
                joined = true;
                chat.join(room, c.outbox(), resume);
                early.forEach(s -> chat.send(room, c.outbox(), s)); // each only starts its store
                early.clear();
            }
        });
    }

    /** Parts of a text message as they arrive, so the size limit holds for the whole message. */
    @OnMessage
    public void message(String part, boolean last) {
        if (connection != null) {
            connection.onFrame(part, last, decoder, this::handle);
        }
    }

    private void handle(ClientFrame frame) {
        if (frame instanceof ClientFrame.Send send) { // the only client frame so far (sealed)
            synchronized (this) {
                if (!joined) { // a socket the cluster-wide cap may still refuse publishes nothing yet
                    if (early.size() < MAX_EARLY_SENDS) {
                        early.add(send);
                    } else {
                        connection.outbox().send(ChatService.error(io.wsshub.transport.Connection.RATE_LIMITED,
                                "wait for the welcome", null, send.clientId()));
                    }
                    return;
                }
            }
            chat.send(room, connection.outbox(), send);
        }
    }

    @OnMessage
    public void binary(ByteBuffer part, boolean last) {
        if (connection != null) {
            connection.onBinary(last);
        }
    }

    /** The answer to the heartbeat's pings: proof that the client is alive. */
    @OnMessage
    public void pong(PongMessage pong) {
        if (connection != null) {
            connection.touched();
        }
    }

    @OnClose
    public void close(Session session, CloseReason reason) {
        if (connection != null) {
            connections.closed(connection, reason); // first: an admission under way then joins nothing
            chat.leave(room, connection.outbox());
        }
    }

    @OnError
    public void error(Session session, Throwable t) {
        // The container closes the session after an error; @OnClose cleans up. Never the message text.
        Connections.logError(LOG, session, t);
    }
}
