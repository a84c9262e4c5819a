package io.wsshub.chat;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.time.Clock;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Reads the chat.* server variables (MicroProfile Config sees Liberty's server.xml variables). */
@ApplicationScoped
public class ChatSettingsProducer {

    @Inject
    @ConfigProperty(name = "chat.history.size", defaultValue = "1000")
    int historySize;

    @Inject
    @ConfigProperty(name = "chat.welcome.history", defaultValue = "50")
    int welcomeHistory;

    @Inject
    @ConfigProperty(name = "chat.max.text.chars", defaultValue = "2000")
    int maxTextChars;

    /** Presence entries live this long unless their node refreshes them (a third of it, at the latest). */
    @Inject
    @ConfigProperty(name = "presence.ttl.seconds", defaultValue = "30")
    int presenceTtlSeconds;

    @Inject
    @ConfigProperty(name = "presence.list.max", defaultValue = "100")
    int presenceListMax;

    /** A resume that missed more messages than this is not recovered (one handshake reads at most this many). */
    @Inject
    @ConfigProperty(name = "chat.resume.max", defaultValue = "300")
    int resumeMax;

    /** What one user may store per hour from sockets (the server API is not metered). */
    @Inject
    @ConfigProperty(name = "chat.quota.bytes.per.hour", defaultValue = "10485760")
    long quotaBytesPerHour;
    @Inject
    @ConfigProperty(name = "chat.quota.rooms.per.hour", defaultValue = "100")
    int quotaRoomsPerHour;

    @Produces
    ChatSettings settings() {
        return new ChatSettings(historySize, welcomeHistory, maxTextChars, presenceTtlSeconds * 1000L / 3,
                presenceListMax, resumeMax, new io.wsshub.engine.UserQuota(quotaBytesPerHour, quotaRoomsPerHour));
    }

    @Produces
    Clock clock() {
        return Clock.systemUTC();
    }
}
