package io.wsshub.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * With {@code WSSHUB_MODE=production}, refuses to start the application on the dev defaults: the generated
 * self-signed keystore (its default location or its default password), or a registry in which a demo user signs
 * in with the dev password. The registry is asked (a JAAS login through Liberty's {@code WSLogin}), not the
 * {@code demo.password} variable: a server whose basicRegistry was replaced by LDAP starts whatever that variable
 * says. One SEVERE line says what to set; the application then fails to start, so nothing is served on dev secrets.
 */
@ApplicationScoped
public class ProductionGuard {

    static final String DEV_KEYSTORE_PASSWORD = "dev-only-keystore-password";
    static final String DEV_DEMO_PASSWORD = "demo-pass";
    static final String GENERATED_KEYSTORE = "/resources/security/key.p12";
    private static final Logger LOG = Logger.getLogger(ProductionGuard.class.getName());

    @Inject
    @ConfigProperty(name = "wsshub.mode", defaultValue = "development")
    String mode;
    @Inject
    AcmeSettings acme;
    @Inject
    @ConfigProperty(name = "tls.keystore.password", defaultValue = "")
    String keystorePassword;

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object started) {
        List<String> wrong = acme.problems();
        if (!wrong.isEmpty()) {
            String line = "wss-hub cannot start with this TLS configuration: " + String.join("; ", wrong);
            LOG.severe(line);
            stopThisApplication("its TLS configuration cannot work");
            throw new IllegalStateException(line);
        }
        boolean production = "production".equals(mode == null ? "" : mode.trim().toLowerCase(Locale.ROOT));
        // an ACME-issued certificate is not the dev one, whatever its path; its keystore's password still counts
        List<String> problems = problems(mode, production && devPasswordWorks(), acme.on(), acme.keystorePath(),
                keystorePassword);
        if (!problems.isEmpty()) {
            String line = "WSSHUB_MODE=production refuses to run on dev secrets: " + String.join("; ", problems);
            LOG.severe(line);
            stopThisApplication("WSSHUB_MODE=production with dev secrets");
            throw new IllegalStateException(line);
        }
    }

    /**
     * Liberty logs an exception thrown here and still starts the application, so ask Liberty to stop it
     * (its ApplicationMBean), from another thread once the start has finished. Other applications of the
     * server are not touched.
     */
    private static void stopThisApplication(String why) {
        String app;
        try {
            app = (String) new javax.naming.InitialContext().lookup("java:app/AppName");
        } catch (javax.naming.NamingException e) {
            app = "wss-hub";
        }
        String name = app;
        Thread stopper = new Thread(() -> {
            try {
                javax.management.MBeanServer mbs = java.lang.management.ManagementFactory.getPlatformMBeanServer();
                javax.management.ObjectName mbean = new javax.management.ObjectName(
                        "WebSphere:service=com.ibm.websphere.application.ApplicationMBean,name=" + name);
                for (int i = 0; i < 100 && !"STARTED".equals(mbs.getAttribute(mbean, "State")); i++) {
                    Thread.sleep(100); // until Liberty has finished starting it
                }
                mbs.invoke(mbean, "stop", null, null);
                LOG.severe("application " + name + " stopped: " + why);
            } catch (Exception e) {
                LOG.log(java.util.logging.Level.SEVERE, "could not stop application " + name + "; stop the server", e);
            }
        }, "wss-hub-production-guard");
        stopper.setDaemon(true);
        stopper.start();
    }

    /** The demo users of liberty/server.xml's dev registry (publisher, monitor, operator and the lock-out test user too). */
    static final List<String> DEMO_USERS = List.of("alice", "bob", "carol", "dave", "erin", "feed", "monitor",
            "operator");

    /** True when the registry Liberty uses accepts the dev password for one of the demo users. */
    static boolean devPasswordWorks() {
        for (String user : DEMO_USERS) {
            try {
                javax.security.auth.login.LoginContext login = new javax.security.auth.login.LoginContext("WSLogin",
                        callbacks -> {
                            for (javax.security.auth.callback.Callback c : callbacks) {
                                if (c instanceof javax.security.auth.callback.NameCallback n) {
                                    n.setName(user);
                                } else if (c instanceof javax.security.auth.callback.PasswordCallback p) {
                                    p.setPassword(DEV_DEMO_PASSWORD.toCharArray());
                                }
                            }
                        });
                login.login();
                login.logout();
                return true;
            } catch (javax.security.auth.login.LoginException e) {
                // not this user with that password
            }
        }
        return false;
    }

    static List<String> problems(String mode, boolean devPasswordWorks, String keystorePath, String keystorePassword) {
        return problems(mode, devPasswordWorks, false, keystorePath, keystorePassword);
    }

    /** @param acme ACME mode: the certificate is the CA's (never the dev one); its keystore's password still counts */
    static List<String> problems(String mode, boolean devPasswordWorks, boolean acme, String keystorePath,
                                 String keystorePassword) {
        List<String> out = new ArrayList<>();
        if (!"production".equals(mode == null ? "" : mode.trim().toLowerCase(Locale.ROOT))) {
            return out;
        }
        String path = keystorePath == null ? "" : keystorePath.replace('\\', '/');
        if (acme) {
            if (DEV_KEYSTORE_PASSWORD.equals(keystorePassword)) {
                out.add("set TLS_KEYSTORE_PASSWORD: ACME mode's keystore would be locked with the dev password");
            }
        } else if (path.isEmpty() || path.endsWith(GENERATED_KEYSTORE) || DEV_KEYSTORE_PASSWORD.equals(keystorePassword)) {
            out.add("set TLS_KEYSTORE_PATH and TLS_KEYSTORE_PASSWORD to your PKCS#12 certificate"
                    + " (the generated self-signed dev keystore is in use)");
        }
        if (devPasswordWorks) {
            out.add("a user of the registry signs in with the dev password " + DEV_DEMO_PASSWORD
                    + ": set DEMO_PASSWORD, or better replace the demo basicRegistry in server.xml with your registry");
        }
        return out;
    }
}
