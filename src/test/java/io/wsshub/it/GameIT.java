package io.wsshub.it;

import io.wsshub.it.Wss.Client;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** The /ws/game contract ({@link GameChecks}) on one server with the memory engine. */
@ExtendWith(ArquillianExtension.class)
class GameIT extends GameChecks {

    @Override
    Client connect(String user, int node) {
        return Wss.connect("/ws/game", user);
    }

    @Override
    int[] ports() {
        return new int[] {Wss.port()};
    }
}
