package io.wsshub.chat;

import io.wsshub.transport.ErrorFrame;
import io.wsshub.transport.FrameDecodeException;
import io.wsshub.transport.Json;
import io.wsshub.transport.SessionOutbox;
import io.wsshub.transport.TextAssembler;
import io.wsshub.transport.TransportSettings;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.CloseReason.CloseCodes;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.PathParam;
import jakarta.websocket.server.ServerEndpoint;
import java.io.IOException;
import java.security.Principal;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code wss://host/ws/chat/{room}} (docs/protocol.md). Thin: it checks the handshake's room and principal,
 * decodes frames and hands them to {@link ChatService}; everything it sends goes through the connection's
 * {@link SessionOutbox}. One instance per connection (a CDI bean, so injection works).
 */
@Dependent
@ServerEndpoint("/ws/chat/{room}")
public class ChatEndpoint {

    private static final Logger LOG = Logger.getLogger(ChatEndpoint.class.getName());

    @Inject
    ChatService chat;
    @Inject
    TransportSettings transport;
    @Resource
    ManagedExecutorService executor;

    private final ClientFrameDecoder decoder = new ClientFrameDecoder();
    private String room;
    private SessionOutbox outbox;
    private TextAssembler assembler;
    private boolean tooBig;

    @OnOpen
    public void open(Session session, @PathParam("room") String room) throws IOException {
        Principal principal = session.getUserPrincipal();
        if (principal == null) { // web.xml requires role "user" for /ws/*; this is a second lock on the door
            session.close(new CloseReason(CloseCodes.VIOLATED_POLICY, "not authenticated"));
            return;
        }
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
        // Liberty enforces these per frame (1009); TextAssembler enforces the limit per message.
        session.setMaxTextMessageBufferSize(transport.maxFrameBytes());
        session.setMaxBinaryMessageBufferSize(transport.maxFrameBytes());
        this.assembler = new TextAssembler(transport.maxFrameBytes());
        session.setMaxIdleTimeout(transport.idleTimeoutMillis());
        this.room = room;
        this.outbox = new SessionOutbox(session, principal.getName(), transport.queueMaxMessages(),
                transport.queueMaxBytes(), executor);
        chat.join(room, outbox, resume);
        LOG.fine(() -> "open " + session.getId() + " user=" + principal.getName() + " room=" + room);
    }

    /** Parts of a text message as they arrive, so the size limit holds for the whole message. */
    @OnMessage
    public void message(String part, boolean last) {
        if (outbox == null || tooBig) {
            return;
        }
        String text;
        try {
            text = assembler.add(part, last);
        } catch (TextAssembler.TooBig e) {
            tooBig = true;
            outbox.closeAsync(CloseCodes.TOO_BIG, "message larger than " + assembler.maxBytes() + " bytes");
            return;
        }
        if (text != null) {
            try {
                handle(text);
            } catch (RuntimeException e) { // a bug, not bad input: say so with 1011 rather than hang
                LOG.log(Level.SEVERE, "failure handling a frame on session " + outbox.id() + " room=" + room, e);
                outbox.closeAsync(CloseCodes.UNEXPECTED_CONDITION, "server error");
            }
        }
    }

    private void handle(String text) {
        ClientFrame frame;
        try {
            frame = decoder.decode(text);
        } catch (FrameDecodeException e) {
            outbox.send(Json.encode(e.toErrorFrame()));
            return;
        }
        if (frame instanceof ClientFrame.Send send) { // the only client frame so far (sealed)
            chat.send(room, outbox, send);
        }
    }

    @OnMessage
    public void binary(java.nio.ByteBuffer part, boolean last) {
        if (outbox != null && last) { // parts are dropped as they come: nothing is buffered
            outbox.send(ChatService.error(ErrorFrame.BAD_JSON,
                    "binary frames are not supported: send JSON text frames"));
        }
    }

    @OnClose
    public void close(Session session, CloseReason reason) {
        if (outbox != null) {
            chat.leave(room, outbox);
        }
        LOG.fine(() -> "close " + session.getId() + " room=" + room + " code=" + reason.getCloseCode().getCode());
    }

    @OnError
    public void error(Session session, Throwable t) {
        // The container closes the session after an error (e.g. 1009 for an oversized frame); @OnClose cleans up.
        LOG.log(Level.FINE, "error on session " + session.getId() + " room=" + room, t);
    }
}
