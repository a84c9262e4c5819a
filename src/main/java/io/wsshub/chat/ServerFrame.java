package io.wsshub.chat;

import jakarta.json.bind.annotation.JsonbPropertyOrder;
import jakarta.json.bind.annotation.JsonbSubtype;
import jakarta.json.bind.annotation.JsonbTypeInfo;
import java.util.List;

/**
 * What the server sends about a room: on /ws/chat/{room} the frames carry {@code room} (and the first is
 * {@code welcome}); on /ws they carry {@code channel} (and a subscription starts with {@code subscribed}).
 * JSON-B writes the {@code type} property first. Nulls are omitted, so each endpoint's frames have only their
 * own name field; {@code members} is omitted when the room has more than presence.list.max members.
 */
@JsonbTypeInfo(key = "type", value = {
        @JsonbSubtype(alias = "welcome", type = ServerFrame.Welcome.class),
        @JsonbSubtype(alias = "subscribed", type = ServerFrame.Subscribed.class),
        @JsonbSubtype(alias = "presence", type = ServerFrame.Presence.class),
        @JsonbSubtype(alias = "message", type = ServerFrame.Message.class)
})
public sealed interface ServerFrame
        permits ServerFrame.Welcome, ServerFrame.Subscribed, ServerFrame.Presence, ServerFrame.Message {

    /** First frame of every /ws/chat connection. {@code recovered} is present only when the client asked to resume. */
    @JsonbPropertyOrder({"room", "user", "members", "count", "history", "lastId", "epoch", "recovered"})
    record Welcome(String room, String user, List<String> members, int count, List<Message> history, long lastId,
                   String epoch, Boolean recovered) implements ServerFrame {
    }

    /** The welcome of one /ws channel: the same fields as {@link Welcome}, named by {@code channel}. */
    @JsonbPropertyOrder({"channel", "members", "count", "history", "lastId", "epoch", "recovered"})
    record Subscribed(String channel, List<String> members, int count, List<Message> history, long lastId,
                      String epoch, Boolean recovered) implements ServerFrame {
    }

    /** A user's first connection to the room opened ("join") or their last one closed ("leave"). */
    @JsonbPropertyOrder({"room", "channel", "event", "user", "count", "members"})
    record Presence(String room, String channel, String event, String user, int count, List<String> members)
            implements ServerFrame {
    }

    /** A stored chat message; {@code id} is the room's sequence number, {@code ts} UTC with milliseconds. */
    @JsonbPropertyOrder({"room", "channel", "id", "from", "text", "ts", "clientId"})
    record Message(String room, String channel, long id, String from, String text, String ts, String clientId)
            implements ServerFrame {
    }
}
