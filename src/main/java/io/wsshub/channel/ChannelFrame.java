package io.wsshub.channel;

import io.wsshub.market.MarketFrame;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import jakarta.json.bind.annotation.JsonbSubtype;
import jakarta.json.bind.annotation.JsonbTypeInfo;

/**
 * The /ws server frames that belong to no feature (chat frames are {@link io.wsshub.chat.ServerFrame}, quotes
 * {@link MarketFrame}). Nulls are omitted.
 */
@JsonbTypeInfo(key = "type", value = {
        @JsonbSubtype(alias = "connected", type = ChannelFrame.Connected.class),
        @JsonbSubtype(alias = "pong", type = ChannelFrame.Pong.class),
        @JsonbSubtype(alias = "unsubscribed", type = ChannelFrame.Unsubscribed.class),
        @JsonbSubtype(alias = "subscribed", type = ChannelFrame.MarketSubscribed.class)
})
public sealed interface ChannelFrame permits ChannelFrame.Connected, ChannelFrame.Pong, ChannelFrame.Unsubscribed,
        ChannelFrame.MarketSubscribed {

    /** The first frame of a /ws connection: who it is and the limits that apply to it. */
    @JsonbPropertyOrder({"user", "limits"})
    record Connected(String user, Limits limits) implements ChannelFrame {
    }

    @JsonbPropertyOrder({"channels", "textChars", "frameBytes", "ratePerSecond"})
    record Limits(int channels, int textChars, int frameBytes, double ratePerSecond) {
    }

    record Pong() implements ChannelFrame {
    }

    /** A subscription ended: the client asked, or the server ended it ({@code reason}, e.g. resync). */
    @JsonbPropertyOrder({"channel", "reason"})
    record Unsubscribed(String channel, String reason) implements ChannelFrame {
    }

    /** The welcome of a market: channel: the symbol's current quote. */
    @JsonbPropertyOrder({"channel", "quote"})
    record MarketSubscribed(String channel, MarketFrame.QuoteView quote) implements ChannelFrame {
    }
}
