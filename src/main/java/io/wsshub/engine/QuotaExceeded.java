package io.wsshub.engine;

/** A user's hourly quota ({@link UserQuota}) would be passed: nothing was stored. */
public class QuotaExceeded extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean rooms;

    /** @param rooms the quota of new rooms (else the one of message bytes) */
    public QuotaExceeded(boolean rooms) {
        super(rooms ? "rooms" : "bytes", null, false, false);
        this.rooms = rooms;
    }

    /** Whether it is the quota of new rooms that would be passed (else the one of message bytes). */
    public boolean rooms() {
        return rooms;
    }
}
