package io.wsshub.transport;

/**
 * Joins the parts of a fragmented text message and enforces the message size limit on the whole message.
 * Liberty checks its buffer limit per frame only, so a client could otherwise stream an unbounded message in
 * small fragments. One per connection; the container delivers a connection's parts one at a time.
 */
public final class TextAssembler {

    private final int maxBytes;
    private final StringBuilder parts = new StringBuilder();
    private long bytes;

    public TextAssembler(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    public int maxBytes() {
        return maxBytes;
    }

    /**
     * Adds a part. Returns the whole message when {@code last}, null while more parts are expected.
     *
     * @throws TooBig when the message so far exceeds the limit (what was buffered is dropped)
     */
    public String add(String part, boolean last) throws TooBig {
        bytes += utf8Length(part);
        if (bytes > maxBytes) {
            parts.setLength(0);
            parts.trimToSize();
            bytes = 0;
            throw new TooBig();
        }
        if (!last) {
            parts.append(part);
            return null;
        }
        String whole = parts.length() == 0 ? part : parts.append(part).toString();
        parts.setLength(0);
        bytes = 0;
        return whole;
    }

    static long utf8Length(CharSequence s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3; // a surrogate pair: 4
        }
        return n;
    }

    /** The message is larger than the limit: close with 1009. */
    public static final class TooBig extends Exception {
        private static final long serialVersionUID = 1L;

        TooBig() {
            super(null, null, false, false);
        }
    }
}
