package io.wsshub.market;

import jakarta.json.bind.annotation.JsonbSubtype;
import jakarta.json.bind.annotation.JsonbTypeInfo;
import java.util.List;

/** What a client sends on /ws/market; {@code type} selects the record. */
@JsonbTypeInfo(key = "type", value = {
        @JsonbSubtype(alias = "subscribe", type = MarketClientFrame.Subscribe.class),
        @JsonbSubtype(alias = "unsubscribe", type = MarketClientFrame.Unsubscribe.class)
})
public sealed interface MarketClientFrame permits MarketClientFrame.Subscribe, MarketClientFrame.Unsubscribe {

    List<String> symbols();

    record Subscribe(List<String> symbols) implements MarketClientFrame {
    }

    record Unsubscribe(List<String> symbols) implements MarketClientFrame {
    }
}
