package io.wsshub.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Identifies a browser login by a hash of its LtpaToken2 cookie, so logout can find the sockets it opened
 * without the token itself being kept anywhere.
 */
final class LoginToken {

    static final String COOKIE = "LtpaToken2";

    private LoginToken() {
    }

    /** From raw Cookie header values; null when there is no login cookie. */
    static String fromCookieHeaders(List<String> headers) {
        if (headers == null) {
            return null;
        }
        for (String header : headers) {
            for (String pair : header.split(";")) {
                String p = pair.trim();
                if (p.startsWith(COOKIE + "=")) {
                    return hash(unquote(p.substring(COOKIE.length() + 1)));
                }
            }
        }
        return null;
    }

    static String fromCookieValue(String value) {
        return value == null || value.isEmpty() ? null : hash(unquote(value));
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    private static String hash(String value) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
