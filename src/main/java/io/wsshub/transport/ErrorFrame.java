package io.wsshub.transport;

import jakarta.json.bind.annotation.JsonbPropertyOrder;

/**
 * {@code {"type":"error","code":"...","message":"..."}}: the answer to bad input; the connection stays open. An
 * error about one channel of {@code /ws} carries that {@code channel}; one that answers a chat send or publish
 * also carries its {@code clientId}. Nulls are omitted.
 */
@JsonbPropertyOrder({"type", "code", "message", "channel", "clientId"})
public record ErrorFrame(String type, String code, String message, String channel, String clientId) {

    public static final String BAD_JSON = "bad_json";
    public static final String UNKNOWN_TYPE = "unknown_type";

    public static ErrorFrame of(String code, String message) {
        return new ErrorFrame("error", code, message, null, null);
    }

    public static ErrorFrame of(String code, String message, String clientId) {
        return new ErrorFrame("error", code, message, null, clientId);
    }

    public static ErrorFrame of(String code, String message, String channel, String clientId) {
        return new ErrorFrame("error", code, message, channel, clientId);
    }
}
