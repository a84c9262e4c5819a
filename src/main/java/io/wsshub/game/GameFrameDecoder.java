package io.wsshub.game;

import io.wsshub.transport.TypedFrameDecoder;
import java.util.Set;

/** Decodes game client frames; errors carry {@code bad_json} or {@code unknown_type}, as on chat. */
public class GameFrameDecoder extends TypedFrameDecoder<GameClientFrame> {

    public GameFrameDecoder() {
        super(GameClientFrame.class, Set.of("queue", "unqueue", "move", "resign", "spectate", "lobby"));
    }
}
