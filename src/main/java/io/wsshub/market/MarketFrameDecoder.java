package io.wsshub.market;

import io.wsshub.transport.TypedFrameDecoder;
import java.util.Set;

/** Decodes market client frames; errors carry {@code bad_json} or {@code unknown_type}, as on chat. */
public class MarketFrameDecoder extends TypedFrameDecoder<MarketClientFrame> {

    public MarketFrameDecoder() {
        super(MarketClientFrame.class, Set.of("subscribe", "unsubscribe"));
    }
}
