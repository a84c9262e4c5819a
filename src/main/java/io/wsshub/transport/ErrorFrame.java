package io.wsshub.transport;

import jakarta.json.bind.annotation.JsonbPropertyOrder;

/**
 * {@code {"type":"error","code":"...","message":"..."}}: the answer to bad input; the connection stays open. An
 * error that answers a chat {@code send} also carries that send's {@code clientId}.
 */
@JsonbPropertyOrder({"type", "code", "message", "clientId"})
public record ErrorFrame(String type, String code, String message, String clientId) {

    public static final String BAD_JSON = "bad_json";
    public static final String UNKNOWN_TYPE = "unknown_type";

    public static ErrorFrame of(String code, String message) {
        return new ErrorFrame("error", code, message, null);
    }

    public static ErrorFrame of(String code, String message, String clientId) {
        return new ErrorFrame("error", code, message, clientId);
    }
}
