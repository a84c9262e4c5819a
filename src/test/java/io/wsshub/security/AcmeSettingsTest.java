package io.wsshub.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AcmeSettingsTest {

    static final String GENERATED = "/srv/wlp/usr/servers/defaultServer/resources/security/key.p12";

    @Test
    void acmeOffOrProperlyOnIsFine() {
        assertTrue(AcmeSettings.problems("off", "", "", GENERATED).isEmpty());
        assertTrue(AcmeSettings.problems("off", "", "", "/etc/wss/server.p12").isEmpty());
        assertTrue(AcmeSettings.problems("on", "https://acme.example/dir", "chat.example.com", GENERATED).isEmpty());
    }

    @Test
    void eachImpossibleCombinationIsNamed() {
        List<String> notSwitched = AcmeSettings.problems("off", "https://acme.example/dir", "chat.example.com",
                GENERATED);
        assertEquals(1, notSwitched.size());
        assertTrue(notSwitched.get(0).contains("ACME_DIRECTORY in the server's environment"), notSwitched.get(0));
        List<String> both = AcmeSettings.problems("on", "https://acme.example/dir", "chat.example.com",
                "/etc/wss/server.p12");
        assertEquals(1, both.size());
        assertTrue(both.get(0).contains("both set"), both.get(0));
        assertTrue(AcmeSettings.problems("on", "https://acme.example/dir", " ", GENERATED).get(0)
                .contains("ACME_DOMAINS"));
    }

    @Test
    void inProductionAnAcmeCertificatePassesButNotTheDevKeystorePassword() {
        assertTrue(ProductionGuard.problems("production", false, true, "/x/acme.p12", "s3cret").isEmpty());
        List<String> p = ProductionGuard.problems("production", false, true, "/x/acme.p12",
                ProductionGuard.DEV_KEYSTORE_PASSWORD);
        assertEquals(1, p.size());
        assertTrue(p.get(0).contains("TLS_KEYSTORE_PASSWORD"), p.get(0));
    }
}
