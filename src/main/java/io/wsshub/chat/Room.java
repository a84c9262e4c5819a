package io.wsshub.chat;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One room's state: its message sequence (ids, retained history, clientIds for de-duplication) and who is in
 * it. Not thread-safe: {@link ChatService} holds the room's monitor around every use, which also orders the
 * room's deliveries.
 */
final class Room {

    static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,31}$");
    private static final SecureRandom RANDOM = new SecureRandom();

    final String name;
    /** Names this life of the sequence: the history is in memory, so ids restart with the server. */
    final String epoch;
    private final int capacity;

    private long lastId;
    private final ArrayDeque<ServerFrame.Message> history = new ArrayDeque<>();
    private final Map<String, ServerFrame.Message> byClientId = new HashMap<>();
    /** user -> number of open connections of that user in this room; sorted for the members lists. */
    private final TreeMap<String, Integer> members = new TreeMap<>();

    Room(String name, int capacity) {
        this.name = name;
        this.capacity = capacity;
        this.epoch = Long.toString(RANDOM.nextLong() >>> 16, 36);
    }

    static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    long lastId() {
        return lastId;
    }

    /** Adds a connection of {@code user}; true when it is the user's first in this room. */
    boolean addMember(String user) {
        return members.merge(user, 1, Integer::sum) == 1;
    }

    /** Removes a connection of {@code user}; true when it was the user's last in this room. */
    boolean removeMember(String user) {
        Integer n = members.get(user);
        if (n == null) {
            return false;
        }
        if (n == 1) {
            members.remove(user);
            return true;
        }
        members.put(user, n - 1);
        return false;
    }

    List<String> members() {
        return List.copyOf(members.keySet());
    }

    ServerFrame.Message findByClientId(String user, String clientId) {
        return clientId == null ? null : byClientId.get(key(user, clientId));
    }

    /** Stores a message under the next id, evicting the oldest beyond the capacity. */
    ServerFrame.Message append(String from, String text, String ts, String clientId) {
        ServerFrame.Message m = new ServerFrame.Message(name, ++lastId, from, text, ts, clientId);
        history.addLast(m);
        if (clientId != null) {
            byClientId.put(key(from, clientId), m);
        }
        while (history.size() > capacity) {
            ServerFrame.Message old = history.removeFirst();
            if (old.clientId() != null) {
                byClientId.remove(key(old.from(), old.clientId()), old);
            }
        }
        return m;
    }

    /** The newest {@code n} retained messages, oldest first. */
    List<ServerFrame.Message> newest(int n) {
        int skip = Math.max(0, history.size() - n);
        List<ServerFrame.Message> out = new ArrayList<>(Math.min(n, history.size()));
        Iterator<ServerFrame.Message> it = history.iterator();
        for (int i = 0; it.hasNext(); i++) {
            ServerFrame.Message m = it.next();
            if (i >= skip) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * Every retained message after {@code since}, or null when that range is not complete here: messages
     * after it were evicted, or {@code since} is beyond this sequence's newest id.
     */
    List<ServerFrame.Message> after(long since) {
        if (since > lastId) {
            return null;
        }
        long oldestRetained = history.isEmpty() ? lastId + 1 : history.peekFirst().id();
        if (since + 1 < oldestRetained) {
            return null;
        }
        List<ServerFrame.Message> out = new ArrayList<>((int) (lastId - since));
        Iterator<ServerFrame.Message> it = history.descendingIterator();
        while (it.hasNext()) {
            ServerFrame.Message m = it.next();
            if (m.id() <= since) {
                break;
            }
            out.add(m);
        }
        java.util.Collections.reverse(out);
        return out;
    }

    private static String key(String user, String clientId) {
        return user + '\n' + clientId;
    }
}
