package io.wsshub.chat;

/**
 * The chat rules' numbers (liberty/server.xml variables chat.*).
 *
 * @param historySize    messages retained per room (older ones are evicted, with their clientIds)
 * @param welcomeHistory newest messages in a welcome that is not a successful resume
 * @param maxTextChars   longest message text, in characters, after trimming
 */
public record ChatSettings(int historySize, int welcomeHistory, int maxTextChars) {

    public ChatSettings {
        if (historySize < 1 || welcomeHistory < 0 || maxTextChars < 1) {
            throw new IllegalArgumentException("invalid chat settings: " + historySize + "/" + welcomeHistory
                    + "/" + maxTextChars);
        }
    }

    public static final ChatSettings DEFAULTS = new ChatSettings(1000, 50, 2000);
}
