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
 * <p>An attempt is reserved ({@link #reserve}) before its password is checked, and the attempts in flight count
 * with the failures: concurrent guesses cannot all pass one check before any failure is recorded, at most
 * {@code maxFailures} guesses per name get through per lock-out however many arrive at once. An attempt that finds
 * the window full of attempts still in flight is told {@link #BUSY} (not a lock-out: they may all be right) and
 * its caller waits a moment for them: a program opening twenty sockets at once with the right password is
 * slowed, not locked out.
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
        /** Reserved attempts whose password check has not ended. */
        int pending;
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

    /** {@link #reserve}'s answer when attempts in flight fill the window: ask again in a moment. */
    public static final long BUSY = -1;

    /**
     * Reserves an attempt: 0 when the password may be checked now (the attempt then counts with the name's and
     * the address's failures until {@link #failed} or {@link #succeeded} ends it), {@link #BUSY} when attempts in
     * flight fill the window, otherwise the seconds a lock-out lasts (nothing is reserved but for 0).
     */
    public long reserve(String user, String address) {
        long now = clock.getAsLong();
        long wait = retryAfterSeconds(user, address);
        if (wait > 0) {
            return wait;
        }
        String name = nameKey(user, address);
        if (!take(users, name, now, maxFailures)) {
            return BUSY;
        }
        if (!take(addresses, address, now, maxAddressFailures)) {
            end(users, name, now, maxFailures, false);
            return BUSY;
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

    /** A reserved attempt's password was wrong: a failure of the name and the address (maybe a lock-out). */
    public void failed(String user, String address) {
        io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.LOGIN_FAILURES);
        long now = clock.getAsLong();
        end(users, nameKey(user, address), now, maxFailures, true);
        end(addresses, address, now, maxAddressFailures, true);
    }

    /**
     * A reserved attempt's password was right: the name's failures are forgotten; the address's attempt ends
     * without a failure (its other failures stay: it may be guessing other names).
     */
    public void succeeded(String user, String address) {
        long now = clock.getAsLong();
        Record r = user == null ? null : users.get(nameKey(user, address));
        if (r != null) {
            synchronized (r) {
                r.pending = Math.max(0, r.pending - 1);
                r.failures = 0;
            }
        }
        end(addresses, address, now, maxAddressFailures, false);
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
     * Reserves an attempt on the key's record: false when it is blocked or its failures and attempts in flight fill
     * the window. A key that cannot be tracked (memory full of active lock-outs) reserves nothing and passes.
     */
    private boolean take(ConcurrentHashMap<String, Record> map, String key, long now, int max) {
        if (key == null) {
            return true;
        }
        if (map.size() >= maxTracked && !map.containsKey(key)) {
            prune(map, now);
            if (map.size() >= 4L * maxTracked) {
                return true; // full of active lock-outs: this key is not tracked (see the class comment)
            }
        }
        Record r = map.computeIfAbsent(key, k -> new Record());
        synchronized (r) {
            r.lastSeen = now;
            if (r.blockedUntil > now) {
                return false;
            }
            if (now - r.windowStart >= windowMillis) {
                r.windowStart = now;
                r.failures = 0;
            }
            if (r.failures + r.pending >= max) {
                return false;
            }
            r.pending++;
            return true;
        }
    }

    /** Ends a reserved attempt on the key's record, as a failure or not; the max-th failure locks it out. */
    private void end(ConcurrentHashMap<String, Record> map, String key, long now, int max, boolean failure) {
        Record r = key == null ? null : map.get(key);
        if (r == null) {
            return;
        }
        synchronized (r) {
            r.pending = Math.max(0, r.pending - 1);
            if (!failure) {
                return;
            }
            r.lastSeen = now;
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
        }
    }

    /**
     * Forgets records that neither block nor count any more; if that is not enough, the least recently seen half
     * of those that do not block. An active lock-out is never forgotten.
     */
    private void prune(ConcurrentHashMap<String, Record> map, long now) {
        map.values().removeIf(r -> {
            synchronized (r) {
                return r.blockedUntil <= now && r.pending == 0 && now - r.lastSeen >= windowMillis;
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

    /** A record that must be kept: it blocks, or attempts on it are in flight. */
    private static boolean blocking(Record r, long now) {
        synchronized (r) {
            return r.blockedUntil > now || r.pending > 0;
        }
    }
}
