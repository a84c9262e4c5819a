package io.wsshub.engine;

/** The shared store could not be reached (or answered an error): the operation had no known effect. */
public class EngineUnavailable extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public EngineUnavailable(String message, Throwable cause) {
        super(message, cause);
    }

    public EngineUnavailable(String message) {
        super(message);
    }
}
