package io.wsshub.transport;

import java.util.function.Supplier;

/** A {@link Peer} whose queue can be observed, with a source of frames produced only when it is free. */
public interface QueueingPeer extends Peer {

    /** Queues a frame without writing it yet (see {@link #kick}); false when refused (the peer is closing). */
    boolean enqueue(String frame);

    /** Frames queued or being written. */
    int pending();

    /** Installs the source asked for the next frame whenever the queue is empty. */
    void whenIdle(Supplier<String> source);

    /** The idle source has something: start writing if the connection is free. Never blocks for long. */
    void kick();
}
