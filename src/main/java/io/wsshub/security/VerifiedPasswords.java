package io.wsshub.security;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The passwords that passed a check within the last minute, as a salted SHA-256 per user name (the salt is random
 * per process; no password is kept). A program that opens hundreds of sockets with HTTP Basic presents the same
 * right password each time: those checks need no reservation in the {@link LoginThrottle} (its in-flight limit is
 * for guesses) and so are not queued behind each other. A lock-out still refuses them all, and a guess never
 * matches, so guessing is exactly as limited as before. Bounded: at most {@value #MAX} names.
 */
@ApplicationScoped
public class VerifiedPasswords {

    static final int MAX = 10_000;
    private static final long KEEP_MILLIS = 60_000;

    private record Entry(byte[] hash, long until) {
    }

    private final byte[] salt = new byte[16];
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Entry> verified = new ConcurrentHashMap<>();

    public VerifiedPasswords() {
        this(System::currentTimeMillis);
    }

    VerifiedPasswords(LongSupplier clock) {
        this.clock = clock;
        new SecureRandom().nextBytes(salt);
    }

    /** True when {@code password} is the one that passed a check for {@code user} within the last minute. */
    public boolean matches(String user, String password) {
        Entry e = verified.get(user);
        return e != null && e.until() > clock.getAsLong() && MessageDigest.isEqual(e.hash(), hash(user, password));
    }

    /** {@code password} passed a check for {@code user}. */
    public void passed(String user, String password) {
        long now = clock.getAsLong();
        if (verified.size() >= MAX) {
            verified.values().removeIf(e -> e.until() <= now);
            if (verified.size() >= MAX) {
                return;
            }
        }
        verified.put(user, new Entry(hash(user, password), now + KEEP_MILLIS));
    }

    /** {@code user}'s remembered password failed a check (it was changed): forgotten. */
    public void forget(String user) {
        verified.remove(user);
    }

    private byte[] hash(String user, String password) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(salt);
            d.update(user.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(password.getBytes(StandardCharsets.UTF_8));
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
