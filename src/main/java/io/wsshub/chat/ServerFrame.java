package io.wsshub.chat;

import jakarta.json.bind.annotation.JsonbPropertyOrder;
import jakarta.json.bind.annotation.JsonbSubtype;
import jakarta.json.bind.annotation.JsonbTypeInfo;
import java.util.List;

/** What the server sends on /ws/chat/{room}; JSON-B writes the {@code type} property first. Nulls are omitted. */
@JsonbTypeInfo(key = "type", value = {
        @JsonbSubtype(alias = "welcome", type = ServerFrame.Welcome.class),
        @JsonbSubtype(alias = "presence", type = ServerFrame.Presence.class),
        @JsonbSubtype(alias = "message", type = ServerFrame.Message.class)
})
public sealed interface ServerFrame permits ServerFrame.Welcome, ServerFrame.Presence, ServerFrame.Message {

    /** First frame of every connection. {@code recovered} is present only when the client asked to resume. */
    @JsonbPropertyOrder({"room", "user", "members", "history", "lastId", "epoch", "recovered"})
    record Welcome(String room, String user, List<String> members, List<Message> history, long lastId,
                   String epoch, Boolean recovered) implements ServerFrame {
    }

    /** A user's first connection to the room opened ("join") or their last one closed ("leave"). */
    @JsonbPropertyOrder({"room", "event", "user", "members"})
    record Presence(String room, String event, String user, List<String> members) implements ServerFrame {
    }

    /** A stored chat message; {@code id} is the room's sequence number, {@code ts} UTC with milliseconds. */
    @JsonbPropertyOrder({"room", "id", "from", "text", "ts", "clientId"})
    record Message(String room, long id, String from, String text, String ts, String clientId)
            implements ServerFrame {
    }
}
