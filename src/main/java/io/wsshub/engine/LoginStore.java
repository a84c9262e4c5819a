package io.wsshub.engine;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/** Logged-out logins, known to every node. */
public interface LoginStore {

    /** Receives every logged-out login (hash of its cookie) on every node, and at start those still revoked. */
    void onLogout(Consumer<String> listener);

    /** Revokes a login on every node, for {@code keepSeconds} (longer than a login cookie can live). */
    CompletionStage<Void> logout(String tokenHash, long keepSeconds);
}
