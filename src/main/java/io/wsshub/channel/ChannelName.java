package io.wsshub.channel;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * A /ws channel name, {@code namespace:name}, parsed and checked against its namespace's rule
 * (docs/protocol.md, "Namespaces"). Its {@link #room} is the engine's key for its state: a {@code chat:} channel
 * is the room of the same name (the room of /ws/chat/{room}); every other chat-like channel keeps its whole name
 * (a room name has no colon, so the two never collide).
 *
 * @param channel the name as the client wrote it
 * @param kind    what the namespace behaves like
 * @param name    the part after the colon
 * @param role    for {@link Kind#ROLE}: the role its users need; otherwise null
 */
public record ChannelName(String channel, Kind kind, String name, String role) {

    public enum Kind {
        /** {@code chat:<room>}: any user. */
        CHAT,
        /** {@code dm:<a>,<b>}: the two users. */
        DM,
        /** {@code user:<name>}: that user reads; the server API writes. */
        USER,
        /** {@code market:<SYMBOL>}: quotes. */
        MARKET,
        /** {@code <ns>:<room>} for a namespace of channels.roles: users in its role. */
        ROLE
    }

    /** The room rule, of chat: channels and of /ws/chat/{room} (chat.Room uses this one). */
    public static final Pattern ROOM = Pattern.compile("^[a-z0-9][a-z0-9-]{0,31}$");
    /** A user name as dm: and user: channels spell it. */
    public static final Pattern USER_NAME = Pattern.compile("^[A-Za-z0-9._@-]{1,64}$");
    /** The symbol rule, of market: channels and of /ws/market (MarketService uses this one). */
    public static final Pattern SYMBOL = Pattern.compile("^[A-Z][A-Z0-9.]{0,11}$");
    /** What channels.roles may name as a namespace. */
    public static final Pattern NAMESPACE = Pattern.compile("^[a-z][a-z0-9-]{0,15}$");
    /** Namespaces with their own rules: channels.roles may not redefine them. */
    public static final java.util.Set<String> BUILT_IN = java.util.Set.of("chat", "dm", "user", "market");
    static final int MAX_LENGTH = 200;

    /** Why a name was refused ({@code invalid_channel}). */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Parses {@code channel}.
     *
     * @param roles the role-gated namespaces: namespace -> role
     * @throws Invalid no namespace, an unknown namespace, or a name that breaks its namespace's rule
     */
    public static ChannelName parse(String channel, Map<String, String> roles) throws Invalid {
        if (channel == null || channel.isEmpty()) {
            throw new Invalid("channel is required");
        }
        if (channel.length() > MAX_LENGTH) {
            throw new Invalid("channel names are at most " + MAX_LENGTH + " characters");
        }
        int colon = channel.indexOf(':');
        if (colon < 0) {
            throw new Invalid("a channel is namespace:name, e.g. chat:lobby");
        }
        String ns = channel.substring(0, colon);
        String name = channel.substring(colon + 1);
        switch (ns) {
            case "chat":
                requireRoom(name);
                return new ChannelName(channel, Kind.CHAT, name, null);
            case "dm": {
                int comma = name.indexOf(',');
                String a = comma < 0 ? "" : name.substring(0, comma);
                String b = comma < 0 ? "" : name.substring(comma + 1);
                if (!USER_NAME.matcher(a).matches() || !USER_NAME.matcher(b).matches()) {
                    throw new Invalid("a direct-message channel is dm:<a>,<b> with two user names");
                }
                if (a.compareTo(b) >= 0) {
                    throw new Invalid("the two names of a dm: channel are distinct and sorted ascending: dm:"
                            + (a.compareTo(b) == 0 ? a + "," + b : b + "," + a));
                }
                return new ChannelName(channel, Kind.DM, name, null);
            }
            case "user":
                if (!USER_NAME.matcher(name).matches()) {
                    throw new Invalid("a personal channel is user:<name> with a user name");
                }
                return new ChannelName(channel, Kind.USER, name, null);
            case "market":
                if (!SYMBOL.matcher(name).matches()) {
                    throw new Invalid("a market channel is market:<SYMBOL>, the symbol matching " + SYMBOL.pattern());
                }
                return new ChannelName(channel, Kind.MARKET, name, null);
            default:
                String role = roles.get(ns);
                if (role == null) {
                    throw new Invalid("unknown namespace: " + (ns.length() <= 32 ? ns : ns.substring(0, 32) + "..."));
                }
                requireRoom(name);
                return new ChannelName(channel, Kind.ROLE, name, role);
        }
    }

    private static void requireRoom(String name) throws Invalid {
        if (!ROOM.matcher(name).matches()) {
            throw new Invalid("a room name matches " + ROOM.pattern());
        }
    }

    /** True for the namespaces that behave like a chat room (history, presence, resume). */
    public boolean chatLike() {
        return kind != Kind.MARKET;
    }

    /** The engine's room key of a chat-like channel. */
    public String room() {
        return kind == Kind.CHAT ? name : channel;
    }

    /** The two users of a dm: channel. */
    public String[] dmUsers() {
        return name.split(",", 2);
    }
}
