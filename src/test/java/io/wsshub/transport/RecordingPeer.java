package io.wsshub.transport;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A connection for tests without sockets: it records every frame it is sent (parsed) and every close. */
public class RecordingPeer implements Peer {

    private static final AtomicInteger IDS = new AtomicInteger();

    public final String id = "p" + IDS.incrementAndGet();
    public final String user;
    public final List<JsonObject> frames = new ArrayList<>();
    public final List<String> closes = new ArrayList<>();

    public RecordingPeer(String user) {
        this.user = user;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public boolean send(String frame) {
        frames.add(Json.createReader(new StringReader(frame)).readObject());
        return true;
    }

    @Override
    public void close(int code, String reason) {
        closes.add(code + " " + reason);
    }

    public JsonObject last() {
        return frames.get(frames.size() - 1);
    }

    /** The newest frame of {@code type}, or null. */
    public JsonObject last(String type) {
        List<JsonObject> l = ofType(type);
        return l.isEmpty() ? null : l.get(l.size() - 1);
    }

    public List<JsonObject> ofType(String type) {
        return frames.stream().filter(f -> type.equals(f.getString("type"))).toList();
    }
}
