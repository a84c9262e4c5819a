package io.wsshub.channel;

import io.wsshub.transport.TypedFrameDecoder;
import java.util.Set;

/** Decodes /ws client frames; errors carry {@code bad_json} or {@code unknown_type}. */
public class ChannelClientFrameDecoder extends TypedFrameDecoder<ChannelClientFrame> {

    public ChannelClientFrameDecoder() {
        super(ChannelClientFrame.class, Set.of("subscribe", "unsubscribe", "publish", "ping"));
    }
}
