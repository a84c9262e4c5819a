package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.wsshub.it.Wss.Client;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Long-lived sockets. The ITs' server runs with short clocks (pom.xml): pings every 1 s, idle timeout 5 s,
 * HTTP sessions expiring after 10 s of inactivity.
 */
@ExtendWith(ArquillianExtension.class)
class SessionLifeIT {

    @Test
    void liveClientsOutliveTheHttpSessionWhileADeadOneIsDroppedAndItsLeaveSent() throws Exception {
        String room = "life-" + UUID.randomUUID().toString().substring(0, 8);
        Client alice = Wss.connect("/ws/chat/" + room, "alice");              // Basic
        alice.next("welcome");
        Client bob = Wss.connect("/ws/chat/" + room, "Cookie", Wss.formLogin("bob", Wss.PASSWORD)); // browser
        bob.next("welcome");
        alice.next("presence");

        // carol's connection goes dead: it stops reading, so it answers no ping
        Client carol = Wss.join(room, "carol");
        carol.pause();
        assertEquals("carol", alice.next("presence").getString("user"));
        JsonObject leave = alice.next(f -> "presence".equals(f.getString("type"))
                && "leave".equals(f.getString("event")));
        assertEquals("carol", leave.getString("user"), "the silent peer was found and its leave sent");

        // alice and bob only listen (their clients answer pings) for well past the HTTP session timeout
        Instant until = Instant.now().plus(Duration.ofSeconds(45));
        while (Instant.now().isBefore(until)) {
            assertFalse(alice.closed.isDone(), "alice's socket was closed");
            assertFalse(bob.closed.isDone(), "bob's socket was closed");
            Thread.sleep(500); // the passing of time is what is under test here
        }
        bob.sendJson("send", "text", "still here after 45 s");
        assertEquals("still here after 45 s", alice.next("message").getString("text"));
        assertEquals("still here after 45 s", bob.next("message").getString("text"));
        alice.close();
        bob.close();
        carol.abort();
    }
}
