package io.wsshub.engine;

/**
 * What chat history may take: {@code roomBytes} per room (chat.history.max.bytes; the newest message is kept
 * whatever its size) and {@code totalBytes} over all rooms of a memory engine (chat.history.total.bytes). Bytes as
 * the store holds them: the memory engine counts heap (UTF-16 strings and their objects), Redis the UTF-8 fields.
 */
public record HistoryBudget(long roomBytes, long totalBytes) {

    /** No bound beyond the message count (tests). */
    public static final HistoryBudget NONE = new HistoryBudget(Long.MAX_VALUE, Long.MAX_VALUE);
}
