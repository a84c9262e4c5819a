package io.wsshub.game;

import io.wsshub.engine.GameStore;
import jakarta.json.bind.annotation.JsonbNillable;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.util.List;
import java.util.Map;

/** What the server sends on /ws/game (docs/protocol.md); each record carries its own {@code type}. */
public final class GameFrame {

    private GameFrame() {
    }

    @JsonbPropertyOrder({"type", "user", "matches"})
    public record Welcome(String type, String user, List<State> matches) {
        Welcome(String user, List<State> matches) {
            this("welcome", user, matches);
        }
    }

    @JsonbPropertyOrder({"type"})
    public record Queued(String type) {
        static final Queued INSTANCE = new Queued("queued");
    }

    /** A match this connection takes part in: as a player (seat R or Y) or a spectator (seat null). */
    @JsonbNillable
    @JsonbPropertyOrder({"type", "matchId", "players", "seat"})
    public record Match(String type, String matchId, Map<String, String> players, String seat) {
        Match(String matchId, Map<String, String> players, String seat) {
            this("match", matchId, players, seat);
        }
    }

    /** The full state after every change; nulls are written (a client tests "winner === null"). */
    @JsonbNillable
    @JsonbPropertyOrder({"type", "matchId", "ver", "board", "turn", "deadline", "status", "lastMove", "winner",
            "reason", "line"})
    public record State(String type, String matchId, long ver, String board, String turn, String deadline,
                        String status, GameStore.LastMove lastMove, String winner, String reason, List<int[]> line) {
    }

    @JsonbNillable
    @JsonbPropertyOrder({"type", "matchId", "user", "connected", "graceDeadline"})
    public record Presence(String type, String matchId, String user, boolean connected, String graceDeadline) {
        Presence(String matchId, String user, boolean connected, String graceDeadline) {
            this("presence", matchId, user, connected, graceDeadline);
        }
    }

    @JsonbPropertyOrder({"matchId", "players", "status", "spectators"})
    public record LobbyEntry(String matchId, Map<String, String> players, String status, int spectators) {
    }

    @JsonbPropertyOrder({"type", "matches"})
    public record Lobby(String type, List<LobbyEntry> matches) {
        Lobby(List<LobbyEntry> matches) {
            this("lobby", matches);
        }
    }

    @JsonbPropertyOrder({"type", "code", "message", "matchId"})
    public record Error(String type, String code, String message, String matchId) {
        Error(String code, String message, String matchId) {
            this("error", code, message, matchId);
        }
    }
}
