package io.wsshub.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * How many logins (login cookies issued by the login form) one user may start a minute
 * ({@code security.login.max.per.minute}). A login/logout loop would otherwise issue cookies as fast as it can
 * ask, each of which a logout must then remember on every node for the cookie's whole lifetime
 * ({@link RevokedLogins}). Counted per user name after the password matched, in fixed one-minute windows; only
 * names that logged in during the last minute are remembered.
 */
@ApplicationScoped
public class LoginRate {

    private static final long WINDOW_MILLIS = TimeUnit.MINUTES.toMillis(1);

    private final int maxPerMinute;
    private final LongSupplier clock;
    /** user -> {window start, logins in it}; an array is guarded by its own monitor. */
    private final ConcurrentHashMap<String, long[]> windows = new ConcurrentHashMap<>();

    @Inject
    public LoginRate(@ConfigProperty(name = "security.login.max.per.minute", defaultValue = "10") int maxPerMinute) {
        this(maxPerMinute, System::currentTimeMillis);
    }

    public LoginRate(int maxPerMinute, LongSupplier clock) {
        this.maxPerMinute = maxPerMinute;
        this.clock = clock;
    }

    /** For CDI's proxy only. */
    protected LoginRate() {
        this(0, System::currentTimeMillis);
    }

    /** Counts a login of {@code user}; 0 when it may go ahead, else the seconds until it may. */
    public long acquire(String user) {
        long now = clock.getAsLong();
        if (windows.size() > 1024) { // names whose window is over are forgotten
            windows.values().removeIf(w -> {
                synchronized (w) {
                    return now - w[0] >= WINDOW_MILLIS;
                }
            });
        }
        long[] w = windows.computeIfAbsent(user, u -> new long[] {now, 0});
        synchronized (w) {
            if (now - w[0] >= WINDOW_MILLIS) {
                w[0] = now;
                w[1] = 0;
            }
            if (w[1] >= maxPerMinute) {
                return Math.max(1, TimeUnit.MILLISECONDS.toSeconds(w[0] + WINDOW_MILLIS - now + 999));
            }
            w[1]++;
            return 0;
        }
    }
}
