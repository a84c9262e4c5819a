package io.wsshub.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProductionGuardTest {

    private static final String GENERATED = "/srv/wlp/usr/servers/defaultServer/resources/security/key.p12";

    @Test
    void developmentAllowsTheDevDefaults() {
        assertTrue(ProductionGuard.problems("development", "demo-pass", GENERATED, "dev-only-keystore-password")
                .isEmpty());
        assertTrue(ProductionGuard.problems(null, "demo-pass", GENERATED, "dev-only-keystore-password").isEmpty());
    }

    @Test
    void productionRefusesTheGeneratedKeystoreAndTheDemoPassword() {
        List<String> p = ProductionGuard.problems("production", "demo-pass", GENERATED, "dev-only-keystore-password");
        assertEquals(2, p.size(), p.toString());
        assertTrue(p.get(0).contains("TLS_KEYSTORE_PATH"));
        assertTrue(p.get(1).contains("DEMO_PASSWORD"));
        assertEquals(1, ProductionGuard.problems("PRODUCTION", "s3cret", "/etc/wss/server.p12",
                "dev-only-keystore-password").size(), "the dev keystore password anywhere");
        assertEquals(1, ProductionGuard.problems("production", "s3cret", GENERATED, "other").size(),
                "the generated location");
    }

    @Test
    void productionWithRealSecretsStarts() {
        assertTrue(ProductionGuard.problems("production", "s3cret", "/etc/wss/server.p12", "p@ss").isEmpty());
    }
}
