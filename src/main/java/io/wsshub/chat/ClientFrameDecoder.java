package io.wsshub.chat;

import io.wsshub.transport.TypedFrameDecoder;
import java.util.Set;

/** Decodes chat client frames; errors carry {@code bad_json} or {@code unknown_type}. */
public class ClientFrameDecoder extends TypedFrameDecoder<ClientFrame> {

    public ClientFrameDecoder() {
        super(ClientFrame.class, Set.of("send"));
    }
}
