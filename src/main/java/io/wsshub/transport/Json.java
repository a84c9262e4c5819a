package io.wsshub.transport;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;

/** The one JSON-B instance of the application (thread-safe, and expensive to create). */
public final class Json {

    public static final Jsonb JSONB = JsonbBuilder.create();

    private Json() {
    }

    public static String encode(Object value) {
        return JSONB.toJson(value);
    }
}
