package io.wsshub.channel;

import jakarta.json.bind.annotation.JsonbSubtype;
import jakarta.json.bind.annotation.JsonbTypeInfo;

/** What a client sends on /ws; {@code type} selects the record (docs/protocol.md). */
@JsonbTypeInfo(key = "type", value = {
        @JsonbSubtype(alias = "subscribe", type = ChannelClientFrame.Subscribe.class),
        @JsonbSubtype(alias = "unsubscribe", type = ChannelClientFrame.Unsubscribe.class),
        @JsonbSubtype(alias = "publish", type = ChannelClientFrame.Publish.class),
        @JsonbSubtype(alias = "ping", type = ChannelClientFrame.Ping.class)
})
public sealed interface ChannelClientFrame permits ChannelClientFrame.Subscribe, ChannelClientFrame.Unsubscribe,
        ChannelClientFrame.Publish, ChannelClientFrame.Ping {

    /** {@code since}/{@code epoch}: a resume from the last id seen in that epoch. */
    record Subscribe(String channel, Long since, String epoch) implements ChannelClientFrame {
    }

    record Unsubscribe(String channel) implements ChannelClientFrame {
    }

    record Publish(String channel, String text, String clientId) implements ChannelClientFrame {
    }

    /** Liveness for clients that cannot see WebSocket pings: answered with a pong frame. */
    record Ping() implements ChannelClientFrame {
    }
}
