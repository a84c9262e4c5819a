package io.wsshub.engine;

/**
 * What the nodes of a cluster share (docs/cluster.md), split by concern as Centrifugo splits its engine: the
 * rooms' streams ({@link Broker}), who is in them ({@link Presence}), the connections of every node
 * ({@link ConnectionRegistry}), and the feature stores ({@link QuoteStore}, {@link LoginStore},
 * {@link GameStore}). Two implementations: {@link MemoryEngine} (one server, nothing shared) and
 * {@link RedisEngine} (any number of nodes on one Redis).
 *
 * <p>Every operation returns at once; the stage completes on an engine thread (for Redis a Netty thread, so
 * callers hand further work to their own executor). A stage that fails with {@link EngineUnavailable} means the
 * shared store could not be reached and nothing was changed, or nothing is known to have changed.
 */
public interface Engine {

    /** "memory" or "redis". */
    String kind();

    /** This node's name (node.name), for logs and presence entries. */
    String node();

    /** True while the shared store answers (always for memory). */
    boolean up();

    Broker broker();

    Presence presence();

    ConnectionRegistry connections();

    QuoteStore quotes();

    LoginStore logins();

    GameStore games();

    /** Stops the engine's threads and connections (application stop). */
    void close();
}
