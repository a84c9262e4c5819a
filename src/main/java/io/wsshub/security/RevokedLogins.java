package io.wsshub.security;

import io.wsshub.engine.Engine;
import io.wsshub.transport.Connections;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason.CloseCodes;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Login cookies that were logged out, by hash, so that a copy replayed later is refused. Liberty's own
 * tracking (trackLoggedOutSSOCookies) relies on its authentication cache, which is off (see server.xml): measured
 * on 26.0.0.3 with this check disabled, a logged-out cookie replayed on the same server was accepted (200) with
 * the cache off and refused with it on (docs/security.md).
 * Entries are kept longer than a login cookie lives (LTPA tokens expire after 2 hours by default).
 * A logout reaches every node through the engine (each node keeps this copy, so checking a request never waits
 * for Redis), and closes that login's sockets on every node; on the memory engine it is gone with a restart
 * (then only the cookie's own expiry protects).
 */
@ApplicationScoped
public class RevokedLogins {

    @Inject
    Engine engine;
    @Inject
    Connections connections;

    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        engine.logins().onLogout(this::loggedOut);
    }

    /** A login ended, on this node or another: refuse its cookie here and close its sockets here. */
    void loggedOut(String tokenHash) {
        revoke(tokenHash);
        connections.closeLogin(tokenHash, CloseCodes.VIOLATED_POLICY, "logged out");
    }

    private static final long KEEP_MILLIS = TimeUnit.HOURS.toMillis(24);
    private final ConcurrentHashMap<String, Long> revoked = new ConcurrentHashMap<>();

    public void revoke(String tokenHash) {
        if (tokenHash == null) {
            return;
        }
        long now = System.currentTimeMillis();
        revoked.put(tokenHash, now + KEEP_MILLIS);
        revoked.values().removeIf(until -> until < now); // logouts are rare: pruning here is cheap enough
    }

    public boolean isRevoked(String tokenHash) {
        if (tokenHash == null) {
            return false;
        }
        Long until = revoked.get(tokenHash);
        return until != null && until >= System.currentTimeMillis();
    }
}
