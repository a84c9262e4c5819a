package io.wsshub.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wsshub.transport.FrameDecodeException;
import org.junit.jupiter.api.Test;

class ClientFrameDecoderTest {

    private final ClientFrameDecoder decoder = new ClientFrameDecoder();

    @Test
    void decodesSendIgnoringUnknownFieldsSuchAsFrom() throws Exception {
        ClientFrame f = decoder.decode("{\"type\":\"send\",\"text\":\"hi\",\"clientId\":\"c-1\",\"from\":\"mallory\"}");
        assertEquals(new ClientFrame.Send("hi", "c-1"), f);
        assertNull(((ClientFrame.Send) decoder.decode("{\"text\":\"x\",\"type\":\"send\"}")).clientId());
    }

    @Test
    void malformedJsonIsBadJson() {
        for (String bad : new String[] {"", "{", "not json", "[1,2]", "\"send\"", "null", "{\"type\":\"send\"} {}",
                "{\"type\":\"send\",\"text\":{\"a\":1}}"}) {
            FrameDecodeException e = assertThrows(FrameDecodeException.class, () -> decoder.decode(bad), bad);
            assertEquals("bad_json", e.code(), bad);
        }
    }

    @Test
    void unknownOrMissingTypeIsUnknownType() {
        for (String bad : new String[] {"{}", "{\"type\":\"shout\"}", "{\"type\":1}", "{\"text\":\"hi\"}"}) {
            FrameDecodeException e = assertThrows(FrameDecodeException.class, () -> decoder.decode(bad), bad);
            assertEquals("unknown_type", e.code(), bad);
        }
    }

    @Test
    void encoderWritesTypeAndOmitsNulls() {
        String json = new ServerFrameEncoder().encode(
                new ServerFrame.Message("lobby", null, 43, "alice", "hi", "2026-11-25T13:00:00.123Z", null));
        assertEquals("{\"type\":\"message\",\"room\":\"lobby\",\"id\":43,\"from\":\"alice\",\"text\":\"hi\","
                + "\"ts\":\"2026-11-25T13:00:00.123Z\"}", json);
    }
}
