package io.wsshub.chat;

import java.util.regex.Pattern;

/** The room name rule (the room state itself is the engine's). */
final class Room {

    /** The channel core owns the rule: a chat: channel is this room. */
    static final Pattern NAME = io.wsshub.channel.ChannelName.ROOM;

    private Room() {
    }

    static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
