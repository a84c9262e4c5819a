package io.wsshub.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Which certificate this server serves: ACME mode's own keystore (acme.mode on: liberty/server.env sets it from
 * ACME_DIRECTORY, docs/acme.md) or tls.keystore.path. Also the ACME settings that cannot work, so that a
 * misconfiguration stops the application with one clear line instead of a server that never opens its port.
 */
@ApplicationScoped
public class AcmeSettings {

    @Inject
    @ConfigProperty(name = "acme.mode", defaultValue = "off")
    String mode;
    // Optional: an empty server variable is "not set" to MicroProfile Config
    @Inject
    @ConfigProperty(name = "acme.directory")
    java.util.Optional<String> directory;
    @Inject
    @ConfigProperty(name = "acme.domains")
    java.util.Optional<String> domains;
    @Inject
    @ConfigProperty(name = "acme.keystore.path")
    java.util.Optional<String> acmeKeystorePath;
    @Inject
    @ConfigProperty(name = "tls.keystore.path")
    java.util.Optional<String> tlsKeystorePath;

    public boolean on() {
        return "on".equals(mode == null ? "" : mode.trim());
    }

    /** The keystore the HTTPS port serves from. */
    public String keystorePath() {
        return (on() ? acmeKeystorePath : tlsKeystorePath).orElse("");
    }

    public List<String> problems() {
        return problems(mode, directory.orElse(""), domains.orElse(""), tlsKeystorePath.orElse(""));
    }

    static List<String> problems(String mode, String directory, String domains, String tlsKeystorePath) {
        List<String> out = new ArrayList<>();
        boolean on = "on".equals(mode == null ? "" : mode.trim());
        boolean directorySet = directory != null && !directory.isBlank();
        if (directorySet && !on) {
            out.add("acme.directory is set but ACME mode is off: set ACME_DIRECTORY in the server's environment "
                    + "(liberty/server.env turns it into ACME mode; a server variable or -D option cannot switch the "
                    + "acmeCA feature on)");
        }
        if (on && (domains == null || domains.isBlank())) {
            out.add("ACME mode needs ACME_DOMAINS (the names for the certificate)");
        }
        String path = tlsKeystorePath == null ? "" : tlsKeystorePath.replace('\\', '/');
        if (on && !path.isEmpty() && !path.endsWith(ProductionGuard.GENERATED_KEYSTORE)) {
            out.add("ACME_DIRECTORY and TLS_KEYSTORE_PATH are both set: ACME mode serves the certificate it gets "
                    + "(acme.keystore.path); unset one of them");
        }
        return out;
    }
}
