package io.wsshub.security;

import io.wsshub.engine.Engine;
import io.wsshub.transport.Connections;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason.CloseCodes;
import java.util.ArrayDeque;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Login cookies that were logged out, by hash, so that a copy replayed later is refused. Liberty's own
 * tracking (trackLoggedOutSSOCookies) relies on its authentication cache, which is off (see server.xml): measured
 * on 26.0.0.3 with this check disabled, a logged-out cookie replayed on the same server was accepted (200) with
 * the cache off and refused with it on (docs/security.md).
 *
 * <p>An entry is kept as long as a login cookie can live ({@code security.login.lifetime.minutes}, which is also
 * Liberty's LTPA expiration) and a minute more: after that the cookie is refused for its own expiry. Entries all
 * live equally long, so they expire in the order they came: each revocation drops the expired ones from the front
 * of that order (no scan of the whole set), and how many there can be is bounded by the login rate limit
 * ({@link LoginRate}) times the lifetime.
 * A logout reaches every node through the engine (each node keeps this copy, so checking a request never waits
 * for Redis), and closes that login's sockets on every node; on the memory engine it is gone with a restart
 * (then only the cookie's own expiry protects).
 */
@ApplicationScoped
public class RevokedLogins {

    private static final Logger LOG = Logger.getLogger(RevokedLogins.class.getName());

    @Inject
    Engine engine;
    @Inject
    Connections connections;

    private final long keepMillis;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Long> revoked = new ConcurrentHashMap<>();
    /** The entries in the order they expire (hash, until); guarded by its monitor. */
    private final ArrayDeque<Object[]> order = new ArrayDeque<>();

    @Inject
    public RevokedLogins(@ConfigProperty(name = "security.login.lifetime.minutes", defaultValue = "120")
                         long lifetimeMinutes) {
        this(TimeUnit.MINUTES.toMillis(lifetimeMinutes + 1), System::currentTimeMillis);
    }

    /** Without a container: entries kept {@code keepMillis} by {@code clock}. */
    public RevokedLogins(long keepMillis, LongSupplier clock) {
        this.keepMillis = keepMillis;
        this.clock = clock;
    }

    /** For CDI's proxy only. */
    protected RevokedLogins() {
        this(0, System::currentTimeMillis);
    }

    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        engine.logins().onLogout(this::loggedOut);
    }

    /** POST /logout: ends the login here at once, and on every node through the engine (this one again: idempotent). */
    public CompletionStage<Void> logout(String tokenHash) {
        loggedOut(tokenHash);
        return engine.logins().logout(tokenHash, TimeUnit.MILLISECONDS.toSeconds(keepMillis)).exceptionally(e -> {
            LOG.warning(() -> "logout could not reach the other nodes: " + e);
            return null;
        });
    }

    /** A login ended, on this node or another: refuse its cookie here and close its sockets here. */
    void loggedOut(String tokenHash) {
        revoke(tokenHash);
        connections.closeLogin(tokenHash, CloseCodes.VIOLATED_POLICY, "logged out");
    }

    public void revoke(String tokenHash) {
        if (tokenHash == null) {
            return;
        }
        long now = clock.getAsLong();
        long until = now + keepMillis;
        synchronized (order) {
            Object[] head;
            while ((head = order.peekFirst()) != null && (Long) head[1] < now) {
                order.pollFirst();
                revoked.remove((String) head[0], head[1]);
            }
            // revoked again (every node hears its own logout back, a moment later): the first entry stands
            if (revoked.putIfAbsent(tokenHash, until) == null) {
                order.addLast(new Object[] {tokenHash, until});
            }
        }
    }

    public boolean isRevoked(String tokenHash) {
        if (tokenHash == null) {
            return false;
        }
        Long until = revoked.get(tokenHash);
        return until != null && until >= clock.getAsLong();
    }

    /** How many revocations this node holds (for tests and the docs' bound). */
    public int size() {
        return revoked.size();
    }
}
