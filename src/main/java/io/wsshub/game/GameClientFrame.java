package io.wsshub.game;

import jakarta.json.bind.annotation.JsonbSubtype;
import jakarta.json.bind.annotation.JsonbTypeInfo;

/** What a client sends on /ws/game: intents only, never board state (docs/protocol.md). */
@JsonbTypeInfo(key = "type", value = {
        @JsonbSubtype(alias = "queue", type = GameClientFrame.Queue.class),
        @JsonbSubtype(alias = "unqueue", type = GameClientFrame.Unqueue.class),
        @JsonbSubtype(alias = "move", type = GameClientFrame.Move.class),
        @JsonbSubtype(alias = "resign", type = GameClientFrame.Resign.class),
        @JsonbSubtype(alias = "spectate", type = GameClientFrame.Spectate.class),
        @JsonbSubtype(alias = "lobby", type = GameClientFrame.Lobby.class)
})
public sealed interface GameClientFrame {

    record Queue() implements GameClientFrame {
    }

    record Unqueue() implements GameClientFrame {
    }

    /** {@code ver} is the match version the client saw; {@code col} 0 to 6. */
    record Move(String matchId, Long ver, Integer col) implements GameClientFrame {
    }

    record Resign(String matchId) implements GameClientFrame {
    }

    record Spectate(String matchId) implements GameClientFrame {
    }

    record Lobby() implements GameClientFrame {
    }
}
