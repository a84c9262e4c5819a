package io.wsshub.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.servlet.http.HttpSession;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The review's finding: a login made while already logged in changes the session's id (against fixation); the
 * keeper, which keyed held sessions by id, then missed the release, and the session never expired again.
 */
class HttpSessionKeeperTest {

    /** A session whose id the test can change, as changeSessionId() does. */
    static final class FakeSession {
        String id = "A";
        int maxInactive = 600;
        boolean isNew;
        final Map<String, Object> attributes = new HashMap<>();

        HttpSession proxy() {
            return (HttpSession) Proxy.newProxyInstance(HttpSession.class.getClassLoader(),
                    new Class<?>[] {HttpSession.class}, (p, m, args) -> switch (m.getName()) {
                        case "getId" -> id;
                        case "getMaxInactiveInterval" -> maxInactive;
                        case "setMaxInactiveInterval" -> {
                            maxInactive = (Integer) args[0];
                            yield null;
                        }
                        case "isNew" -> isNew;
                        case "getAttribute" -> attributes.get((String) args[0]);
                        case "setAttribute" -> {
                            attributes.put((String) args[0], args[1]);
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(p);
                        case "equals" -> p == args[0];
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }
    }

    @Test
    void aSessionWhoseIdChangedWhileHeldGetsItsTimeoutBackAndIsForgotten() {
        HttpSessionKeeper keeper = new HttpSessionKeeper();
        FakeSession s = new FakeSession();
        HttpSession session = s.proxy();
        String key = keeper.hold(session);
        assertEquals(-1, s.maxInactive, "no expiry while a socket uses it");
        s.id = "B"; // the user logged in again on another tab: changeSessionId()
        keeper.release(key, session);
        assertEquals(600, s.maxInactive, "its own timeout again");
        assertEquals(0, keeper.size(), "no entry left behind");
    }

    @Test
    void twoSocketsOfOneSessionHoldItUntilTheLastCloses() {
        HttpSessionKeeper keeper = new HttpSessionKeeper();
        FakeSession s = new FakeSession();
        HttpSession first = s.proxy();
        HttpSession second = s.proxy(); // another handshake's view of the same session
        String k1 = keeper.hold(first);
        String k2 = keeper.hold(second);
        assertEquals(k1, k2);
        keeper.release(k1, first);
        assertEquals(-1, s.maxInactive);
        keeper.release(k2, second);
        assertEquals(600, s.maxInactive);
    }
}
