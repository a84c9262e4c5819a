package io.wsshub.chat;

import io.wsshub.transport.Json;
import jakarta.websocket.Encoder;

/** Encodes chat server frames. A broadcast is encoded once and the same text is queued to every member. */
public class ServerFrameEncoder implements Encoder.Text<ServerFrame> {

    @Override
    public String encode(ServerFrame frame) {
        return Json.JSONB.toJson(frame); // runtime type: toJson(frame, ServerFrame.class) writes "{}"
    }
}
