package io.wsshub.transport;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Per-connection limits, from the transport.* server variables in liberty/server.xml. */
@ApplicationScoped
public class TransportSettings {

    @Inject
    @ConfigProperty(name = "transport.max.frame.bytes", defaultValue = "16384")
    int maxFrameBytes;

    @Inject
    @ConfigProperty(name = "transport.idle.timeout.seconds", defaultValue = "300")
    long idleTimeoutSeconds;

    @Inject
    @ConfigProperty(name = "transport.queue.max.messages", defaultValue = "4096")
    int queueMaxMessages;

    @Inject
    @ConfigProperty(name = "transport.queue.max.bytes", defaultValue = "4194304")
    long queueMaxBytes;

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    public long idleTimeoutMillis() {
        return idleTimeoutSeconds * 1000L;
    }

    public int queueMaxMessages() {
        return queueMaxMessages;
    }

    public long queueMaxBytes() {
        return queueMaxBytes;
    }
}
