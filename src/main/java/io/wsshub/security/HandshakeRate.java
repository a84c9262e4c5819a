package io.wsshub.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * WebSocket handshakes per user and per client address, as token buckets that hold a minute's worth
 * ({@code transport.handshakes.per.minute.user}, {@code transport.handshakes.per.minute.address}; 0 turns one
 * off). A handshake is the dearest request a client can make (TLS, authentication against the registry, a Redis
 * admission and the joins that follow): a reconnect loop, or one account hammering from many machines, must not
 * buy them without end. Only keys seen within the last minute are remembered.
 */
@ApplicationScoped
public class HandshakeRate {

    private static final long MINUTE_NANOS = 60_000_000_000L;

    private final int perUser;
    private final int perAddress;
    private final LongSupplier nanos;
    private final ConcurrentHashMap<String, double[]> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, double[]> addresses = new ConcurrentHashMap<>();

    @Inject
    public HandshakeRate(
            @ConfigProperty(name = "transport.handshakes.per.minute.user", defaultValue = "120") int perUser,
            @ConfigProperty(name = "transport.handshakes.per.minute.address", defaultValue = "1200") int perAddress) {
        this(perUser, perAddress, System::nanoTime);
    }

    public HandshakeRate(int perUser, int perAddress, LongSupplier nanos) {
        this.perUser = perUser;
        this.perAddress = perAddress;
        this.nanos = nanos;
    }

    /** For CDI's proxy only. */
    protected HandshakeRate() {
        this(0, 0, System::nanoTime);
    }

    /**
     * Takes a handshake of {@code user} from {@code address}; 0 when it may go ahead, else the seconds until it
     * may (nothing is taken then).
     */
    public long acquire(String user, String address) {
        long now = nanos.getAsLong();
        long wait = take(users, user, perUser, now);
        if (wait > 0) {
            return wait;
        }
        wait = take(addresses, address, perAddress, now);
        if (wait > 0) {
            give(users, user, perUser);
        }
        return wait;
    }

    /** Takes a token from the key's bucket (refilled to now); else the seconds until it holds one. */
    private static long take(ConcurrentHashMap<String, double[]> buckets, String key, int perMinute, long now) {
        if (perMinute <= 0 || key == null) {
            return 0;
        }
        if (buckets.size() > 10_000) { // full buckets need no memory: a key that comes back starts full again
            buckets.values().removeIf(b -> {
                synchronized (b) {
                    return b[0] + (now - (long) b[1]) * perMinute / (double) MINUTE_NANOS >= perMinute;
                }
            });
        }
        double[] b = buckets.computeIfAbsent(key, k -> new double[] {perMinute, now});
        synchronized (b) {
            b[0] = Math.min(perMinute, b[0] + (now - (long) b[1]) * perMinute / (double) MINUTE_NANOS);
            b[1] = now;
            if (b[0] >= 1) {
                b[0] -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - b[0]) * 60 / perMinute));
        }
    }

    private static void give(ConcurrentHashMap<String, double[]> buckets, String key, int perMinute) {
        double[] b = perMinute <= 0 || key == null ? null : buckets.get(key);
        if (b != null) {
            synchronized (b) {
                b[0] = Math.min(perMinute, b[0] + 1);
            }
        }
    }
}
