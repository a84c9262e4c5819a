package io.wsshub.transport;

import jakarta.json.bind.annotation.JsonbPropertyOrder;

/** {@code {"type":"error","code":"...","message":"..."}}: the answer to bad input; the connection stays open. */
@JsonbPropertyOrder({"type", "code", "message"})
public record ErrorFrame(String type, String code, String message) {

    public static final String BAD_JSON = "bad_json";
    public static final String UNKNOWN_TYPE = "unknown_type";

    public static ErrorFrame of(String code, String message) {
        return new ErrorFrame("error", code, message);
    }
}
