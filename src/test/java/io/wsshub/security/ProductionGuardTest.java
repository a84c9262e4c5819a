package io.wsshub.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProductionGuardTest {

    private static final String GENERATED = "/srv/wlp/usr/servers/defaultServer/resources/security/key.p12";

    @Test
    void developmentAllowsTheDevDefaults() {
        assertTrue(ProductionGuard.problems("development", true, GENERATED, "dev-only-keystore-password")
                .isEmpty());
        assertTrue(ProductionGuard.problems(null, true, GENERATED, "dev-only-keystore-password").isEmpty());
    }

    @Test
    void productionRefusesTheGeneratedKeystoreAndTheDemoPassword() {
        List<String> p = ProductionGuard.problems("production", true, GENERATED, "dev-only-keystore-password");
        assertEquals(2, p.size(), p.toString());
        assertTrue(p.get(0).contains("TLS_KEYSTORE_PATH"));
        assertTrue(p.get(1).contains("DEMO_PASSWORD"));
        assertEquals(1, ProductionGuard.problems("PRODUCTION", false, "/etc/wss/server.p12",
                "dev-only-keystore-password").size(), "the dev keystore password anywhere");
        assertEquals(1, ProductionGuard.problems("production", false, GENERATED, "other").size(),
                "the generated location");
    }

    @Test
    void theDemoPasswordVariableAloneDoesNotMatterOnlyWhetherTheRegistryAcceptsIt() {
        // e.g. LDAP instead of the demo basicRegistry: demo.password still has its default, and nobody can use it
        assertTrue(ProductionGuard.problems("production", false, "/etc/wss/server.p12", "p@ss").isEmpty());
    }

    @Test
    void productionWithRealSecretsStarts() {
        assertTrue(ProductionGuard.problems("production", false, "/etc/wss/server.p12", "p@ss").isEmpty());
    }
}
