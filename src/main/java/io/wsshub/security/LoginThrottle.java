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
 * user name's record.
 *
 * <p>An attempt is reserved ({@link #reserve}) before its password is checked and counts as a failure until it
 * succeeds, so concurrent guesses cannot all pass one check before any failure is recorded: at most
 * {@code maxFailures} guesses per name get through per lock-out, however many arrive at once.
 *
 * <p>Memory is bounded: {@code maxTracked} names and as many addresses are remembered (records that neither block
 * nor count any more go first, then the least recently seen) — but an active lock-out is never forgotten, or
 * spraying new names would free the target. Past {@code 4 × maxTracked} records (every one of them an active
 * lock-out) the failures of further names and addresses are not recorded until some expire.
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
    /** Service principals: locked out per (name, address), so a stranger cannot lock them out everywhere. */
    private java.util.Set<String> services = java.util.Set.of();
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
            @ConfigProperty(name = "security.login.max.tracked", defaultValue = "10000") int maxTracked,
            @ConfigProperty(name = "security.login.service.users", defaultValue = "feed,monitor,operator")
            String serviceUsers) {
        this.maxFailures = maxFailures;
        this.maxAddressFailures = maxAddressFailures;
        this.windowMillis = windowSeconds * 1000L;
        this.baseDelayMillis = delaySeconds * 1000L;
        this.maxDelayMillis = maxDelaySeconds * 1000L;
        this.maxTracked = maxTracked;
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String n : serviceUsers == null ? new String[0] : serviceUsers.split(",")) {
            if (!n.isBlank()) {
                names.add(n.trim());
            }
        }
        this.services = java.util.Set.copyOf(names);
    }

    LoginThrottle(int maxFailures, int maxAddressFailures, int windowSeconds, int delaySeconds, int maxDelaySeconds,
                  int maxTracked, LongSupplier clock) {
        this(maxFailures, maxAddressFailures, windowSeconds, delaySeconds, maxDelaySeconds, maxTracked,
                "feed,monitor,operator");
        this.clock = clock;
    }

    /**
     * The record a name's failures go to: the name, or for a service principal the name at that address — the
     * feed, Prometheus and the preStop drain keep working from their own addresses whatever a stranger tries.
     */
    private String nameKey(String user, String address) {
        return user != null && services.contains(user) ? user + "\u0000" + address : user;
    }

    /**
     * Reserves an attempt: 0 when the password may be checked now (the attempt then counts as a failure of the
     * name and the address until {@link #succeeded}), otherwise the seconds to wait (nothing is counted).
     */
    public long reserve(String user, String address) {
        long now = clock.getAsLong();
        long wait = retryAfterSeconds(user, address);
        if (wait > 0) {
            return wait;
        }
        long until = Math.max(count(users, nameKey(user, address), now, maxFailures),
                count(addresses, address, now, maxAddressFailures));
        if (until > now) { // a concurrent attempt took the last one meanwhile
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.LOGIN_LOCKED);
            return Math.max(1, (until - now + 999) / 1000);
        }
        return 0;
    }

    /** Seconds the caller must wait before its password is checked; 0 when it may try now (counts nothing). */
    public long retryAfterSeconds(String user, String address) {
        long now = clock.getAsLong();
        long until = Math.max(blockedUntil(users, nameKey(user, address), now), blockedUntil(addresses, address, now));
        if (until > now) {
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.LOGIN_LOCKED);
            return Math.max(1, (until - now + 999) / 1000);
        }
        return 0;
    }

    /** A reserved attempt's password was wrong (it was counted when reserved). */
    public void failed(String user, String address) {
        io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.LOGIN_FAILURES);
    }

    /**
     * A reserved attempt's password was right: the name's failures are forgotten; the address gets its reserved
     * attempt back (its other failures stay: it may be guessing other names).
     */
    public void succeeded(String user, String address) {
        if (user != null) {
            users.remove(nameKey(user, address));
        }
        Record r = address == null ? null : addresses.get(address);
        if (r != null) {
            synchronized (r) {
                r.failures = Math.max(0, r.failures - 1);
            }
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

    /**
     * Counts an attempt; returns the record's block when it was already blocked (the attempt is then not counted),
     * else 0.
     */
    private long count(ConcurrentHashMap<String, Record> map, String key, long now, int max) {
        if (key == null) {
            return 0;
        }
        if (map.size() >= maxTracked && !map.containsKey(key)) {
            prune(map, now);
            if (map.size() >= 4L * maxTracked) {
                return 0; // full of active lock-outs: this key is not tracked (see the class comment)
            }
        }
        Record r = map.computeIfAbsent(key, k -> new Record());
        synchronized (r) {
            r.lastSeen = now;
            if (r.blockedUntil > now) {
                return r.blockedUntil;
            }
            if (now - r.windowStart >= windowMillis) {
                r.windowStart = now;
                r.failures = 0;
            }
            if (++r.failures >= max) {
                long delay = Math.min(maxDelayMillis, baseDelayMillis << Math.min(20, r.lockouts));
                r.lockouts++;
                r.blockedUntil = now + delay;
                r.failures = 0;
                r.windowStart = now;
            }
            return 0;
        }
    }

    /**
     * Forgets records that neither block nor count any more; if that is not enough, the least recently seen half
     * of those that do not block. An active lock-out is never forgotten.
     */
    private void prune(ConcurrentHashMap<String, Record> map, long now) {
        map.values().removeIf(r -> {
            synchronized (r) {
                return r.blockedUntil <= now && now - r.lastSeen >= windowMillis;
            }
        });
        if (map.size() >= maxTracked) {
            long[] seen = map.values().stream().filter(r -> !blocking(r, now)).mapToLong(r -> r.lastSeen).sorted()
                    .toArray();
            if (seen.length == 0) {
                return;
            }
            long cut = seen[seen.length / 2];
            for (Iterator<Record> it = map.values().iterator(); it.hasNext(); ) {
                Record r = it.next();
                if (!blocking(r, now) && r.lastSeen <= cut) {
                    it.remove();
                }
            }
        }
    }

    private static boolean blocking(Record r, long now) {
        synchronized (r) {
            return r.blockedUntil > now;
        }
    }
}
