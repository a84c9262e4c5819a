package io.wsshub.channel;

import io.wsshub.transport.OutFrame;
import io.wsshub.transport.Peer;
import io.wsshub.transport.SessionOutbox;

/**
 * One chat-like subscription of a /ws connection, as the chat service sees it: a {@link Peer} whose frames name
 * the channel and whose close ends this subscription only. Once ended it takes no more frames, so nothing of
 * the channel follows its {@code unsubscribed}.
 */
final class ChannelPeer implements Peer {

    private final ChannelClient client;
    final ChannelName name;
    private final String id;
    /** Guarded by this: set once; frames are queued under the same monitor, so none slips in after the end. */
    private boolean ended;

    ChannelPeer(ChannelClient client, ChannelName name, String id) {
        this.client = client;
        this.name = name;
        this.id = id;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String user() {
        return client.user();
    }

    @Override
    public String channel() {
        return name.channel();
    }

    @Override
    public boolean send(String frame) {
        return send(OutFrame.of(frame, 0));
    }

    @Override
    public boolean send(String frame, long acceptedMillis) {
        return send(OutFrame.of(frame, acceptedMillis));
    }

    @Override
    public boolean send(OutFrame frame) {
        SessionOutbox out = client.outbox();
        boolean queued;
        synchronized (this) { // queued under the monitor, written after it (never a write under a lock)
            if (ended) {
                return false;
            }
            queued = out.enqueue(frame);
        }
        out.afterEnqueue();
        return queued;
    }

    /** Ends the subscription; {@code last} (if not null) is its final frame. False if it had ended already. */
    boolean end(String last) {
        SessionOutbox out = client.outbox();
        synchronized (this) {
            if (ended) {
                return false;
            }
            ended = true;
            if (last != null) {
                out.enqueue(last);
            }
        }
        out.afterEnqueue();
        return true;
    }

    /** The chat service ends the subscription: "resync" (resume with since/epoch) or it could not be had. */
    @Override
    public void close(int code, String reason) {
        client.endedByServer(this, reason);
    }

    @Override
    public boolean fits(String frame) {
        return client.outbox().fits(frame);
    }
}
