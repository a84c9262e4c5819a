package io.wsshub.channel;

import io.wsshub.engine.Broker.StoredMessage;
import io.wsshub.transport.Peer;
import java.util.List;

/**
 * How one kind of subscriber sees a channel's stream (a /ws/chat socket names the room, a /ws subscription the
 * channel). {@link ChannelStreams} encodes each message and presence change once per format and reuses the frame
 * for every member with that format, so {@link #message} and {@link #presence} must depend on the stream and the
 * event only, never on which member {@code peer} is.
 */
public interface StreamFormat {

    /** The first frame of a member: the channel's state and history (oldest first). */
    String welcome(String stream, Peer peer, Welcome welcome);

    String message(String stream, Peer peer, StoredMessage message);

    String presence(String stream, Peer peer, PresenceChange change);

    /**
     * @param members null beyond presence.list.max
     * @param recovered null for a plain join; on a resume whether every missed message is in {@code history}
     */
    record Welcome(String epoch, long lastId, int count, List<String> members, List<StoredMessage> history,
                   Boolean recovered) {
    }

    /** A join or leave; {@code members} is null beyond presence.list.max. */
    record PresenceChange(String event, String user, int count, List<String> members) {
    }
}
