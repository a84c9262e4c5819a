package io.wsshub.transport;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Fan-out to the connections of this server only. {@link Peer#send} never blocks, so neither does publish. */
@ApplicationScoped
public class InMemoryFanout implements Fanout {

    private final ConcurrentHashMap<String, Set<Peer>> rooms = new ConcurrentHashMap<>();

    @Override
    public void publish(String room, String frame) {
        Set<Peer> peers = rooms.get(room);
        if (peers != null) {
            for (Peer p : peers) {
                p.send(frame);
            }
        }
    }

    @Override
    public void subscribe(String room, Peer peer) {
        rooms.computeIfAbsent(room, r -> ConcurrentHashMap.newKeySet()).add(peer);
    }

    @Override
    public void unsubscribe(String room, Peer peer) {
        rooms.computeIfPresent(room, (r, peers) -> {
            peers.remove(peer);
            return peers.isEmpty() ? null : peers;
        });
    }
}
