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

    @Produces
    ChatSettings settings() {
        return new ChatSettings(historySize, welcomeHistory, maxTextChars);
    }

    @Produces
    Clock clock() {
        return Clock.systemUTC();
    }
}
