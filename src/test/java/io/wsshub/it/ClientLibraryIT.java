package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client library (client/wss-hub.js) as users run it: its own Node tests ({@code node --test client/test/})
 * against this real server over wss://, trusting exactly the server's certificate, with {@code ws} as pinned in
 * client/package-lock.json.
 */
@ExtendWith(ArquillianExtension.class)
class ClientLibraryIT {

    private static final Path CLIENT = Path.of("client");
    private static final Path WORK = Path.of("target", "client-it");

    @Test
    void theServedLibraryIsThePackagesFileAndNeedsNoLogin() throws Exception {
        HttpResponse<byte[]> r = Wss.http().send(HttpRequest.newBuilder(Wss.https("/js/wss-hub.js")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").contains("javascript"),
                r.headers().toString());
        assertArrayEquals(Files.readAllBytes(CLIENT.resolve("wss-hub.js")), r.body());
    }

    @Test
    void theLibraryPassesItsNodeTestsAgainstThisServer() throws Exception {
        Files.createDirectories(WORK);
        if (!Files.exists(CLIENT.resolve("node_modules/ws/package.json"))) {
            run(List.of("npm", "ci", "--no-audit", "--no-fund"), WORK.resolve("npm-ci.log"), 300);
        }
        Path ca = WORK.resolve("server-ca.pem");
        Files.writeString(ca, serverCertificatePem());
        Wss.ssl(); // waits until the server's TLS port answers
        // Node 18 (Debian's) and newer: each test closes what it opened, so the run ends without --test-force-exit
        ProcessBuilder node = new ProcessBuilder("node", "--test", "--test-reporter=spec", "test/")
                .directory(CLIENT.toFile());
        node.environment().put("WSSHUB_PORT", String.valueOf(Wss.port()));
        node.environment().put("WSSHUB_CA", ca.toAbsolutePath().toString());
        node.environment().put("WSSHUB_PASSWORD", Wss.PASSWORD);
        Path log = WORK.resolve("node-test.log");
        int exit = run(node, log, 300);
        String out = Files.readString(log);
        System.out.println(out);
        assertEquals(0, exit, "node --test failed:\n" + out);
        // a skipped or cancelled library test is a defect, not a pass
        for (String zero : new String[] {"fail 0", "cancelled 0", "skipped 0", "todo 0"}) {
            assertTrue(out.contains(zero), "expected \"" + zero + "\" in:\n" + out);
        }
        assertTrue(out.matches("(?s).*pass [1-9][0-9]*.*"), out);
    }

    private static int run(List<String> command, Path log, int seconds) throws Exception {
        return run(new ProcessBuilder(command).directory(CLIENT.toFile()), log, seconds);
    }

    private static int run(ProcessBuilder pb, Path log, int seconds) throws Exception {
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(pb.command() + " did not finish in " + seconds + " s:\n" + Files.readString(log));
        }
        int exit = p.exitValue();
        if (exit != 0 && pb.command().get(0).equals("npm")) {
            throw new AssertionError("npm ci failed (" + exit + "):\n" + Files.readString(log));
        }
        return exit;
    }

    /** The certificate of the server's key.p12, as PEM: what a Node client is told to trust. */
    private static String serverCertificatePem() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(System.getProperty("it.keystore"))) {
            ks.load(in, System.getProperty("it.keystore.password").toCharArray());
        }
        StringBuilder pem = new StringBuilder();
        for (String alias : Collections.list(ks.aliases())) {
            Certificate c = ks.getCertificate(alias);
            if (c != null) {
                pem.append("-----BEGIN CERTIFICATE-----\n")
                        .append(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            }
        }
        return pem.toString();
    }
}
