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

    /** For clients that negotiated batching: how long a message may wait for others to share its frame. */
    @Inject
    @ConfigProperty(name = "transport.batch.linger.ms", defaultValue = "0")
    int batchLingerMillis;

    @Inject
    @ConfigProperty(name = "transport.rate.per.second", defaultValue = "20")
    double ratePerSecond;

    @Inject
    @ConfigProperty(name = "transport.rate.burst", defaultValue = "40")
    int rateBurst;

    /** Refusals within 5 s that mark a flood: 200 is a client sustaining about 3x the default rate. */
    @Inject
    @ConfigProperty(name = "transport.flood.rejections", defaultValue = "200")
    int floodRejections;

    @Inject
    @ConfigProperty(name = "transport.max.connections.per.user", defaultValue = "20")
    int maxConnectionsPerUser;

    @Inject
    @ConfigProperty(name = "transport.max.connections", defaultValue = "10000")
    int maxConnections;

    /** Server pings each connection this often; a client silent for the idle timeout is closed. */
    @Inject
    @ConfigProperty(name = "transport.ping.seconds", defaultValue = "30")
    long pingSeconds;

    @Inject
    @ConfigProperty(name = "transport.shutdown.flush.seconds", defaultValue = "5")
    long shutdownFlushSeconds;

    public long pingMillis() {
        return pingSeconds * 1000L;
    }

    public long shutdownFlushMillis() {
        return shutdownFlushSeconds * 1000L;
    }

    public static final long FLOOD_WINDOW_NANOS = 5_000_000_000L;

    public double ratePerSecond() {
        return ratePerSecond;
    }

    public int rateBurst() {
        return rateBurst;
    }

    public int floodRejections() {
        return floodRejections;
    }

    public int maxConnectionsPerUser() {
        return maxConnectionsPerUser;
    }

    public int maxConnections() {
        return maxConnections;
    }

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

    public int batchLingerMillis() {
        return batchLingerMillis;
    }
}
