package io.wsshub.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Brute-force protection for password checks (the login form and HTTP Basic, on pages, the API and WebSocket
 * handshakes): after {@code maxFailures} failed attempts for one user name within the window — or
 * {@code maxAddressFailures} from one client address, whatever the names — further attempts are refused with 429
 * and Retry-After before the password is even checked, a correct one included. Each new lock-out of the same
 * name or address lasts twice as long as the previous one (up to {@code maxDelaySeconds}); a success clears the
 * user name's record. Memory is bounded: at most {@code maxTracked} names and as many addresses are remembered
 * (expired records go first, then the least recently seen).
 */
@ApplicationScoped
public class LoginThrottle {

    /** One name's or address's record; guarded by its monitor. */
    private static final class Record {
        long windowStart;
        int failures;
        long blockedUntil;
        int lockouts;
        long lastSeen;
    }

    private int maxFailures;
    private int maxAddressFailures;
    private long windowMillis;
    private long baseDelayMillis;
    private long maxDelayMillis;
    private int maxTracked;
    private LongSupplier clock = System::currentTimeMillis;
    private final ConcurrentHashMap<String, Record> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Record> addresses = new ConcurrentHashMap<>();

    protected LoginThrottle() {
        // for CDI
    }

    @Inject
    public LoginThrottle(
            @ConfigProperty(name = "security.login.max.failures", defaultValue = "5") int maxFailures,
            @ConfigProperty(name = "security.login.address.max.failures", defaultValue = "20") int maxAddressFailures,
            @ConfigProperty(name = "security.login.window.seconds", defaultValue = "60") int windowSeconds,
            @ConfigProperty(name = "security.login.delay.seconds", defaultValue = "30") int delaySeconds,
            @ConfigProperty(name = "security.login.max.delay.seconds", defaultValue = "900") int maxDelaySeconds,
            @ConfigProperty(name = "security.login.max.tracked", defaultValue = "10000") int maxTracked) {
        this.maxFailures = maxFailures;
        this.maxAddressFailures = maxAddressFailures;
        this.windowMillis = windowSeconds * 1000L;
        this.baseDelayMillis = delaySeconds * 1000L;
        this.maxDelayMillis = maxDelaySeconds * 1000L;
        this.maxTracked = maxTracked;
    }

    LoginThrottle(int maxFailures, int maxAddressFailures, int windowSeconds, int delaySeconds, int maxDelaySeconds,
                  int maxTracked, LongSupplier clock) {
        this(maxFailures, maxAddressFailures, windowSeconds, delaySeconds, maxDelaySeconds, maxTracked);
        this.clock = clock;
    }

    /** Seconds the caller must wait before its password is checked; 0 when it may try now. */
    public long retryAfterSeconds(String user, String address) {
        long now = clock.getAsLong();
        long until = Math.max(blockedUntil(users, user, now), blockedUntil(addresses, address, now));
        if (until > now) {
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.LOGIN_LOCKED);
            return Math.max(1, (until - now + 999) / 1000);
        }
        return 0;
    }

    public void failed(String user, String address) {
        io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.LOGIN_FAILURES);
        long now = clock.getAsLong();
        record(users, user, now, maxFailures);
        record(addresses, address, now, maxAddressFailures);
    }

    /** A correct password: the name's failures are forgotten (the address's are not: it may be guessing others). */
    public void succeeded(String user) {
        if (user != null) {
            users.remove(user);
        }
    }

    int tracked() {
        return users.size() + addresses.size();
    }

    private static long blockedUntil(Map<String, Record> map, String key, long now) {
        Record r = key == null ? null : map.get(key);
        if (r == null) {
            return 0;
        }
        synchronized (r) {
            return r.blockedUntil;
        }
    }

    private void record(ConcurrentHashMap<String, Record> map, String key, long now, int max) {
        if (key == null) {
            return;
        }
        if (map.size() >= maxTracked && !map.containsKey(key)) {
            prune(map, now);
        }
        Record r = map.computeIfAbsent(key, k -> new Record());
        synchronized (r) {
            r.lastSeen = now;
            if (now - r.windowStart >= windowMillis) {
                r.windowStart = now;
                r.failures = 0;
            }
            if (++r.failures >= max && r.blockedUntil <= now) {
                long delay = Math.min(maxDelayMillis, baseDelayMillis << Math.min(20, r.lockouts));
                r.lockouts++;
                r.blockedUntil = now + delay;
                r.failures = 0;
                r.windowStart = now;
            }
        }
    }

    /** Forgets records that neither block nor count any more; if none, the least recently seen half. */
    private void prune(ConcurrentHashMap<String, Record> map, long now) {
        map.values().removeIf(r -> {
            synchronized (r) {
                return r.blockedUntil <= now && now - r.lastSeen >= windowMillis;
            }
        });
        if (map.size() >= maxTracked) {
            long[] seen = map.values().stream().mapToLong(r -> r.lastSeen).sorted().toArray();
            long cut = seen[seen.length / 2];
            for (Iterator<Record> it = map.values().iterator(); it.hasNext(); ) {
                if (it.next().lastSeen <= cut) {
                    it.remove();
                }
            }
        }
    }
}
