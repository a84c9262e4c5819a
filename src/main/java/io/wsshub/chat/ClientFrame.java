package io.wsshub.chat;

import jakarta.json.bind.annotation.JsonbSubtype;
import jakarta.json.bind.annotation.JsonbTypeInfo;

/** What a client sends on /ws/chat/{room}; {@code type} selects the record. */
@JsonbTypeInfo(key = "type", value = {
        @JsonbSubtype(alias = "send", type = ClientFrame.Send.class)
})
public sealed interface ClientFrame permits ClientFrame.Send {

    /** {@code {"type":"send","text":"hi","clientId":"c-1"}}; any "from" a client adds is ignored. */
    record Send(String text, String clientId) implements ClientFrame {
    }
}
