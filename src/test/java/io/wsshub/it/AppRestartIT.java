package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import jakarta.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Restarting the application (as a redeploy does): open sockets get what was queued, then close 1001; clients
 * reconnect and learn from the welcome that the in-memory history is a new epoch.
 */
@ExtendWith(ArquillianExtension.class)
class AppRestartIT {

    @Test
    void socketsCloseWith1001AndAResumeAfterwardsIsNotRecovered() throws Exception {
        String room = "restart-" + UUID.randomUUID().toString().substring(0, 8);
        Client alice = Wss.connect("/ws/chat/" + room, "alice");
        JsonObject welcome = alice.next("welcome");
        alice.sendJson("send", "text", "before the restart");
        long lastId = alice.next("message").getJsonNumber("id").longValue();
        String epoch = welcome.getString("epoch");

        Wss.restartApplication(); // Liberty's application monitor restarts the application
        assertEquals(1001, alice.awaitClose());
        assertEquals("server shutting down", alice.closeReason());

        Client back = reconnect("/ws/chat/" + room + "?since=" + lastId + "&epoch=" + epoch);
        JsonObject again = back.next("welcome");
        assertFalse(again.getBoolean("recovered"), "the history did not survive the restart");
        assertNotEquals(epoch, again.getString("epoch"));
        assertEquals(0, again.getJsonNumber("lastId").longValue());
        back.close();
    }

    /** The application is back when a handshake succeeds again. */
    private static Client reconnect(String path) throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        while (true) {
            int status = Wss.handshakeStatus("/ws/chat/probe-" + UUID.randomUUID().toString().substring(0, 6),
                    "Authorization", Wss.basic("alice", Wss.PASSWORD));
            if (status == 101) {
                return Wss.connect(path, "alice");
            }
            assertTrue(Instant.now().isBefore(deadline), "the application did not come back: " + status);
            Thread.sleep(250); // polling for the application to be back
        }
    }
}
