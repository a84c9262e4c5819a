package io.wsshub.channel;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The channels.* server variables (liberty/server.xml). */
@ApplicationScoped
public class ChannelSettings {

    private static final Logger LOG = Logger.getLogger(ChannelSettings.class.getName());

    @Inject
    @ConfigProperty(name = "channels.max.per.connection", defaultValue = "100")
    int maxPerConnection;

    /** Comma-separated namespace=role pairs: role-gated chat namespaces. */
    @Inject
    @ConfigProperty(name = "channels.roles", defaultValue = "")
    String rolesSetting;

    private Map<String, String> roles = Map.of();

    public ChannelSettings() {
    }

    /** Without a container. */
    public ChannelSettings(int maxPerConnection, String roles) {
        this.maxPerConnection = maxPerConnection;
        this.rolesSetting = roles;
        start();
    }

    @PostConstruct
    void start() {
        roles = parseRoles(rolesSetting);
    }

    /**
     * Reads {@code ns=role,ns2=role2}. A pair that names a built-in namespace or breaks the namespace rule is a
     * configuration error: it is logged at start and ignored (its channels stay {@code invalid_channel}).
     */
    static Map<String, String> parseRoles(String setting) {
        Map<String, String> out = new LinkedHashMap<>();
        if (setting == null) {
            return out;
        }
        for (String pair : setting.split(",")) {
            String p = pair.strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String ns = eq < 0 ? p : p.substring(0, eq).strip();
            String role = eq < 0 ? "" : p.substring(eq + 1).strip();
            if (!ChannelName.NAMESPACE.matcher(ns).matches() || ChannelName.BUILT_IN.contains(ns) || role.isEmpty()) {
                LOG.severe(() -> "channels.roles: ignoring '" + p + "': expected namespace=role with a namespace"
                        + " matching " + ChannelName.NAMESPACE.pattern() + " other than " + ChannelName.BUILT_IN);
                continue;
            }
            out.put(ns, role);
        }
        return Collections.unmodifiableMap(out);
    }

    public int maxPerConnection() {
        return maxPerConnection;
    }

    /** namespace -> role. */
    public Map<String, String> roles() {
        return roles;
    }
}
