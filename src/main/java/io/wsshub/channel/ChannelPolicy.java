package io.wsshub.channel;

import java.util.function.Predicate;

/**
 * Who may subscribe to and publish in a channel (docs/security.md, "Channel permissions"). A name carries its own
 * access list where it can (dm:, user:), so no lookup is needed; role-gated namespaces ask the container's role
 * mapping, captured at the handshake for sockets.
 */
public final class ChannelPolicy {

    private ChannelPolicy() {
    }

    /**
     * @param user   the authenticated user (role {@code user}: every /ws socket has it)
     * @param inRole whether that user is in a role
     */
    public static boolean maySubscribe(ChannelName c, String user, Predicate<String> inRole) {
        return switch (c.kind()) {
            case CHAT, MARKET -> true;
            case DM -> isDmMember(c, user);
            case USER -> c.name().equals(user);
            case ROLE -> inRole.test(c.role());
        };
    }

    /** Publishing from a socket; user: and market: channels are written by the server API only. */
    public static boolean mayPublish(ChannelName c, String user, Predicate<String> inRole) {
        return switch (c.kind()) {
            case CHAT -> true;
            case DM -> isDmMember(c, user);
            case USER, MARKET -> false;
            case ROLE -> inRole.test(c.role());
        };
    }

    private static boolean isDmMember(ChannelName c, String user) {
        String[] ab = c.dmUsers();
        return ab[0].equals(user) || ab[1].equals(user);
    }
}
