package io.wsshub.security;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Login cookies that were logged out, by hash, so that a copy replayed later is refused. Liberty's own
 * tracking (trackLoggedOutSSOCookies) relies on its authentication cache, which is off (see server.xml).
 * Entries are kept longer than a login cookie lives (LTPA tokens expire after 2 hours by default).
 * In memory: per server, and gone with a restart (then only the cookie's own expiry protects).
 */
@ApplicationScoped
public class RevokedLogins {

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
