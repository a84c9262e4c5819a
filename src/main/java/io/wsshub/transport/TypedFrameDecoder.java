package io.wsshub.transport;

import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.bind.JsonbException;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.websocket.Decoder;
import java.io.StringReader;
import java.util.Set;

/**
 * Decodes a JSON text frame into a sealed hierarchy of records whose {@code type} property selects the
 * record (JSON-B polymorphism). The envelope is checked with JSON-P first so that the client is told precisely
 * what was wrong ({@code bad_json}: not one JSON object, or fields of the wrong type; {@code unknown_type}), then
 * JSON-B binds the record. Client frames are small and bounded by the frame limit, so the second pass is cheap.
 */
public abstract class TypedFrameDecoder<T> implements Decoder.Text<T> {

    /** Looked up once: Json.createParser() runs the provider lookup on every call (~4% of a busy server's CPU). */
    private static final JsonParserFactory PARSERS = JsonProvider.provider().createParserFactory(null);

    private final Class<T> type;
    private final Set<String> knownTypes;

    protected TypedFrameDecoder(Class<T> type, Set<String> knownTypes) {
        this.type = type;
        this.knownTypes = knownTypes;
    }

    @Override
    public T decode(String text) throws FrameDecodeException {
        String problem = classify(text);
        if (problem != null) {
            throw new FrameDecodeException(text, problem.startsWith("unknown") ? ErrorFrame.UNKNOWN_TYPE
                    : ErrorFrame.BAD_JSON, problem);
        }
        try {
            T frame = io.wsshub.transport.Json.JSONB.fromJson(text, type);
            if (frame == null) {
                throw new FrameDecodeException(text, ErrorFrame.BAD_JSON, "expected a JSON object");
            }
            return frame;
        } catch (JsonbException e) {
            throw new FrameDecodeException(text, ErrorFrame.BAD_JSON, "fields of the wrong type");
        }
    }

    /** Returns null when the frame is exactly one JSON object with a known "type", else what is wrong. */
    private String classify(String text) {
        try (JsonParser p = PARSERS.createParser(new StringReader(text))) {
            if (!p.hasNext() || p.next() != JsonParser.Event.START_OBJECT) {
                return "expected a JSON object";
            }
            JsonObject o = p.getObject();
            if (p.hasNext()) {
                return "trailing data after the JSON object";
            }
            JsonValue t = o.get("type");
            if (!(t instanceof JsonString s)) {
                return "unknown type: the frame has no \"type\" string";
            }
            if (!knownTypes.contains(s.getString())) {
                return "unknown type: " + truncate(s.getString());
            }
            return null;
        } catch (JsonException | IllegalStateException e) {
            return "malformed JSON";
        }
    }

    private static String truncate(String s) {
        return s.length() <= 32 ? s : s.substring(0, 32) + "...";
    }

    @Override
    public boolean willDecode(String text) {
        return true;
    }
}
