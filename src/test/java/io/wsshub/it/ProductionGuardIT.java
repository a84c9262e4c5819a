package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * WSSHUB_MODE=production on a server of its own (a copy of the test server with a real keystore): the guard asks
 * the registry whether the dev password works, instead of looking at the demo.password variable.
 */
@ExtendWith(ArquillianExtension.class)
class ProductionGuardIT {

    @Test
    void productionStopsTheApplicationOnlyWhileTheRegistryAcceptsTheDevPassword() throws Exception {
        Wss.ssl(); // Arquillian's server generated the keystore the node copies
        Path dir = Path.of("target", "production-it").toAbsolutePath();
        Files.createDirectories(dir);
        Path keystore = dir.resolve("server.p12");
        Files.deleteIfExists(keystore);
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "default", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", "not-the-dev-password").inheritIO().start();
        assertEquals(0, keytool.waitFor());
        Map<String, String> real = Map.of("WSSHUB_MODE", "production", "TLS_KEYSTORE_PATH", keystore.toString(),
                "TLS_KEYSTORE_PASSWORD", "not-the-dev-password");

        try (LibertyNode onDevPassword = new LibertyNode("production-a", real)) {
            onDevPassword.startServerOnly();
            String stopped = onDevPassword.awaitLog("stopped: WSSHUB_MODE=production with dev secrets", 120);
            assertTrue(onDevPassword.log().contains("signs in with the dev password demo-pass"), stopped);
        }
        java.util.HashMap<String, String> changed = new java.util.HashMap<>(real);
        changed.put("DEMO_PASSWORD", "a-real-secret-" + System.nanoTime()); // the registry no longer accepts demo-pass
        try (LibertyNode onRealPassword = new LibertyNode("production-b", changed)) {
            onRealPassword.startServerOnly();
            onRealPassword.awaitLog("CWWKZ0001I", 120); // the application started
            // the guard decides while the application starts, before this line: a refusal would be logged above it
            assertTrue(!onRealPassword.log().contains("WSSHUB_MODE=production refuses"), onRealPassword.log());
        }
    }

    @Test
    void aTlsConfigurationThatCannotWorkStopsTheApplicationWithOneLine() throws Exception {
        Wss.ssl();
        // ACME mode and a keystore of one's own at once: which certificate would be served?
        try (LibertyNode both = new LibertyNode("acme-and-keystore", Map.of(
                "ACME_DIRECTORY", "https://127.0.0.1:1/dir", "ACME_DOMAINS", "localhost",
                "ACME_EMAIL", "ops@example.com", "ACME_HTTP_PORT", Integer.toString(RedisProcess.freePort()),
                "TLS_KEYSTORE_PATH", "/etc/wss-hub/server.p12"))) {
            both.startServerOnly();
            both.awaitLog("stopped: its TLS configuration cannot work", 120);
            assertTrue(both.log().contains("ACME_DIRECTORY and TLS_KEYSTORE_PATH are both set"), both.log());
        }
    }
}
