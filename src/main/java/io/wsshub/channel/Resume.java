package io.wsshub.channel;

import java.util.List;
import java.util.Map;

/**
 * A reconnecting client's position: {@code ?since=N&epoch=E}. N is the last message id it has seen, E the epoch
 * of the welcome that id belongs to.
 */
public record Resume(long since, String epoch) {

    /**
     * Reads the handshake's query parameters. Returns null when there is no {@code since} (a plain join).
     *
     * @throws IllegalArgumentException when {@code since} is not a non-negative integer
     */
    public static Resume fromQuery(Map<String, List<String>> params) {
        String since = first(params, "since");
        if (since == null) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(since);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("since must be a message id");
        }
        if (n < 0) {
            throw new IllegalArgumentException("since must be a message id");
        }
        String epoch = first(params, "epoch");
        return new Resume(n, epoch == null ? "" : epoch);
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
