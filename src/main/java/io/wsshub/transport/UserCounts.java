package io.wsshub.transport;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Open connections per user on this server, with a cap checked and taken in one map operation: an open racing
 * with the close of the user's last connection can never count itself in a counter that the close just removed.
 */
final class UserCounts {

    private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();

    /** Counts one more connection of {@code user} unless it has {@code max} already; true when counted. */
    boolean tryAcquire(String user, int max) {
        boolean[] taken = {false};
        counts.compute(user, (u, n) -> {
            int now = n == null ? 0 : n;
            if (now >= max) {
                return n;
            }
            taken[0] = true;
            return now + 1;
        });
        return taken[0];
    }

    void release(String user) {
        counts.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
    }

    int count(String user) {
        return counts.getOrDefault(user, 0);
    }

    /** Users with at least one connection (the map holds no zero entries). */
    int users() {
        return counts.size();
    }
}
