package io.wsshub.engine;

/**
 * What one user may put into the chat store per hour from a socket (chat.quota.*): message bytes (UTF-8, as
 * stored) and new rooms. Counted over the cluster on Redis, per server on the memory engine, in clock hours. The
 * server API is not metered (its callers are the team's own backends).
 */
public record UserQuota(long bytesPerHour, int roomsPerHour) {

    public static final UserQuota NONE = new UserQuota(Long.MAX_VALUE, Integer.MAX_VALUE);

    /** How a quota counts a message: the UTF-8 bytes of its text. */
    public static long bytes(String text) {
        long n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3; // a surrogate pair: 4
        }
        return n;
    }
}
