package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wsshub.it.Wss.Client;
import jakarta.json.JsonObject;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Messages in several WebSocket fragments: under the limit they are one message; over
 * transport.max.frame.bytes in total (each fragment small) the connection is closed 1009 — on chat and market.
 */
@ExtendWith(ArquillianExtension.class)
class FragmentIT {

    static final int LIMIT = 16384;

    @Test
    void aChatMessageInThreeFragmentsIsOneMessage() throws Exception {
        Client c = Wss.join("frag", "alice");
        c.socket().sendText("{\"type\":\"send\",", false).join();
        c.socket().sendText("\"text\":\"in three", false).join();
        c.socket().sendText(" parts\",\"clientId\":\"f-1\"}", true).join();
        JsonObject m = c.next("message");
        assertEquals("in three parts", m.getString("text"));
        assertEquals("f-1", m.getString("clientId"));
        c.close();
    }

    @Test
    void chatFragmentsOverTheLimitInTotalClose1009() throws Exception {
        Client c = Wss.join("frag-big", "bob");
        c.socket().sendText("{\"type\":\"send\",\"text\":\"", false).join();
        String part = "x".repeat(1000);
        for (int i = 0; i < LIMIT / 1000 + 1; i++) {
            if (c.closed.isDone()) {
                break;
            }
            c.socket().sendText(part, false).join();
        }
        assertEquals(1009, c.awaitClose());
    }

    @Test
    void aMarketSubscribeInFragmentsIsOneFrameAndTooMuchCloses1009() throws Exception {
        Client c = Wss.connect("/ws/market", "carol");
        c.socket().sendText("{\"type\":\"subscr", false).join();
        c.socket().sendText("ibe\",\"symbols\":[\"ACME\"]}", true).join();
        JsonObject snapshot = c.next("snapshot");
        assertEquals("ACME", snapshot.getJsonArray("quotes").getJsonObject(0).getString("symbol"));
        c.socket().sendText("{\"type\":\"subscribe\",\"symbols\":[", false).join();
        for (int i = 0; i < LIMIT / 1000 + 1 && !c.closed.isDone(); i++) {
            c.socket().sendText("\"" + "A".repeat(998) + "\",", false).join();
        }
        assertEquals(1009, c.awaitClose());
    }
}
