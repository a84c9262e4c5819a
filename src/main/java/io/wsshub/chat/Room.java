package io.wsshub.chat;

import java.util.regex.Pattern;

/** The room name rule (the room state itself is the engine's). */
final class Room {

    static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,31}$");

    private Room() {
    }

    static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
