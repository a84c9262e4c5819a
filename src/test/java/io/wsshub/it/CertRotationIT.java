package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Replacing the keystore file rotates the certificate for new handshakes; open sockets stay up. */
@ExtendWith(ArquillianExtension.class)
class CertRotationIT {

    private static final Duration PICKUP = Duration.ofSeconds(60);

    @Test
    void aReplacedKeystoreServesNewHandshakesWhileOpenSocketsStay() throws Exception {
        Path keystore = Path.of(System.getProperty("it.keystore"));
        char[] password = System.getProperty("it.keystore.password").toCharArray();
        byte[] original = Files.readAllBytes(keystore);
        String oldPrint = fingerprint(load(keystore, password));

        Path dir = Files.createTempDirectory("rotation");
        Path fresh = dir.resolve("new.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "default", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", fresh.toString(), "-storepass", new String(password))
                .redirectErrorStream(true).start();
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool failed");
        KeyStore next = load(fresh, password);
        String newPrint = fingerprint(next);
        assertNotEquals(oldPrint, newPrint);

        String room = "rot-" + UUID.randomUUID().toString().substring(0, 8);
        Client open = Wss.join(room, "alice");
        SSLContext trustsBoth = trusting(load(keystore, password), next);
        try {
            replace(keystore, Files.readAllBytes(fresh));
            assertEquals(newPrint, awaitServedCertificate(trustsBoth, newPrint), "new handshakes use the new cert");
            open.sendJson("send", "text", "still up after rotation");
            assertEquals("still up after rotation", open.next("message").getString("text"));
        } finally {
            replace(keystore, original);
            awaitServedCertificate(trustsBoth, oldPrint); // the other tests trust the original
            open.close();
        }
    }

    /** Writes the keystore the way an operator should: a complete file moved into place. */
    private static void replace(Path keystore, byte[] content) throws Exception {
        Path tmp = keystore.resolveSibling(keystore.getFileName() + ".new");
        Files.write(tmp, content);
        Files.move(tmp, keystore, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String awaitServedCertificate(SSLContext ctx, String wanted) throws Exception {
        Instant deadline = Instant.now().plus(PICKUP);
        String served = null;
        while (Instant.now().isBefore(deadline)) {
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", Wss.port())) {
                s.startHandshake();
                served = sha256(s.getSession().getPeerCertificates()[0]);
            }
            if (wanted.equals(served)) {
                return served;
            }
            Thread.sleep(500); // polling the server's observable state: the certificate it presents
        }
        return served;
    }

    private static KeyStore load(Path file, char[] password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        }
        return ks;
    }

    private static SSLContext trusting(KeyStore a, KeyStore b) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("a", a.getCertificate("default"));
        trust.setCertificateEntry("b", b.getCertificate("default"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static String fingerprint(KeyStore ks) throws Exception {
        return sha256(ks.getCertificate("default"));
    }

    private static String sha256(Certificate c) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(((X509Certificate) c).getEncoded()));
    }
}
