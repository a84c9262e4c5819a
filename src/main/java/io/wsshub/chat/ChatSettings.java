package io.wsshub.chat;

/**
 * The chat rules' numbers (liberty/server.xml variables chat.* and presence.ttl.seconds).
 *
 * @param historySize    messages retained per room (older ones are evicted, with their clientIds)
 * @param welcomeHistory newest messages in a welcome that is not a successful resume
 * @param maxTextChars   longest message text, in characters, after trimming
 * @param upkeepMillis   how often this node refreshes its presence entries and checks each room's position
 * @param presenceListMax welcome, subscribed and presence frames list the members only up to this many (the
 *                        count is always sent): a big room's join/leave traffic stays linear, not quadratic
 * @param resumeMax      a resume that missed more messages than this is answered recovered:false with the newest
 *                        ones (chat.resume.max): a reconnect loop cannot make every handshake read the whole stream
 * @param quota          what one user may store per hour from sockets (chat.quota.*; UserQuota.NONE: no limit)
 */
public record ChatSettings(int historySize, int welcomeHistory, int maxTextChars, long upkeepMillis,
                           int presenceListMax, int resumeMax, io.wsshub.engine.UserQuota quota) {

    public ChatSettings {
        if (historySize < 1 || welcomeHistory < 0 || maxTextChars < 1 || upkeepMillis < 1 || presenceListMax < 0
                || resumeMax < 0) {
            throw new IllegalArgumentException("invalid chat settings: " + historySize + "/" + welcomeHistory
                    + "/" + maxTextChars + "/" + upkeepMillis + "/" + presenceListMax + "/" + resumeMax);
        }
    }

    public ChatSettings(int historySize, int welcomeHistory, int maxTextChars, long upkeepMillis,
                        int presenceListMax, int resumeMax) {
        this(historySize, welcomeHistory, maxTextChars, upkeepMillis, presenceListMax, resumeMax,
                io.wsshub.engine.UserQuota.NONE);
    }

    public ChatSettings(int historySize, int welcomeHistory, int maxTextChars, long upkeepMillis,
                        int presenceListMax) {
        this(historySize, welcomeHistory, maxTextChars, upkeepMillis, presenceListMax, 300);
    }

    public ChatSettings(int historySize, int welcomeHistory, int maxTextChars, long upkeepMillis) {
        this(historySize, welcomeHistory, maxTextChars, upkeepMillis, 100);
    }

    public ChatSettings(int historySize, int welcomeHistory, int maxTextChars) {
        this(historySize, welcomeHistory, maxTextChars, 10_000);
    }

    public static final ChatSettings DEFAULTS = new ChatSettings(1000, 50, 2000);
}
