package io.wsshub.engine;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/** The connections of every node: the cluster-wide per-user cap, and closing a user's sockets everywhere. */
public interface ConnectionRegistry {

    /**
     * Counts one more connection of {@code user} across the cluster unless it has {@code max} there already
     * (memory: always true, the node's own cap is the cluster's).
     */
    CompletionStage<Boolean> admit(String user, String entry, int max);

    /** A connection admitted by {@link #admit} closed. */
    void release(String user, String entry);

    /** Keeps this node's admitted connections counted, entry -> user (a dead node's expire). */
    CompletionStage<Void> refresh(Map<String, String> entries);

    /** Receives every user whose sockets must close on every node (the operator's disconnect). */
    void onDisconnect(Consumer<String> listener);

    /** Tells every node (this one included) to close the user's sockets. */
    CompletionStage<Void> disconnect(String user);
}
