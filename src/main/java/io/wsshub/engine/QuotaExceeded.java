package io.wsshub.engine;

/** A user's hourly quota ({@link UserQuota}) would be passed: nothing was stored. */
public class QuotaExceeded extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public QuotaExceeded(String what) {
        super(what, null, false, false);
    }
}
