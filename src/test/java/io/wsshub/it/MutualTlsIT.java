package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wsshub.it.Wss.Client;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The optional mutual-TLS port (liberty/mtls.xml), switched on for the test server in pom.xml with the
 * TEST-ONLY client CA in src/test/resources/mtls.
 */
@ExtendWith(ArquillianExtension.class)
class MutualTlsIT {

    private static final char[] FIXTURE_PASSWORD = "test-only-password".toCharArray();

    private static int mtlsPort() {
        return Integer.getInteger("it.mtls.port", 9444);
    }

    /** Trusts the server's certificate; presents {@code clientKeys} (or nothing). */
    private static SSLContext context(Path clientKeys) throws Exception {
        KeyStore server = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(System.getProperty("it.keystore")))) {
            server.load(in, System.getProperty("it.keystore.password").toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(server);
        KeyManagerFactory kmf = null;
        if (clientKeys != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(clientKeys)) {
                ks.load(in, FIXTURE_PASSWORD);
            }
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, FIXTURE_PASSWORD);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    private static Path fixture(String name) {
        return Path.of("src", "test", "resources", "mtls", name);
    }

    @Test
    void aClientCertificateFromTheTrustedCaOpensASocket() throws Exception {
        Wss.ssl(); // the main port is up
        HttpClient http = HttpClient.newBuilder().sslContext(context(fixture("client.p12"))).build();
        Client feed = new Client();
        http.newWebSocketBuilder().header("Authorization", Wss.basic("alice", Wss.PASSWORD))
                .buildAsync(URI.create("wss://localhost:" + mtlsPort() + "/ws/chat/mtls"), feed)
                .get(15, TimeUnit.SECONDS);
        assertEquals("alice", feed.next("welcome").getString("user"));
        feed.close();
    }

    @Test
    void noCertificateOrAnUntrustedOneIsRefusedInTheHandshake() throws Exception {
        Wss.ssl();
        refused(context(null));
        Path untrusted = Files.createTempDirectory("mtls").resolve("self-signed.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "client", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=intruder", "-validity", "2", "-storetype", "PKCS12", "-keystore", untrusted.toString(),
                "-storepass", new String(FIXTURE_PASSWORD)).redirectErrorStream(true).start();
        assertEquals(0, keytool.waitFor(60, TimeUnit.SECONDS) ? keytool.exitValue() : -1);
        refused(context(untrusted));
    }

    /** TLS 1.3 reports a refused client certificate after the handshake: the first read fails. */
    private static void refused(SSLContext ctx) {
        assertThrows(IOException.class, () -> {
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", mtlsPort())) {
                s.startHandshake();
                s.getOutputStream().write("GET /login.html HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes());
                s.getOutputStream().flush();
                if (s.getInputStream().read() < 0) {
                    throw new IOException("closed without an answer");
                }
            }
        });
    }

    @Test
    void theMainPortStillNeedsNoClientCertificate() throws Exception {
        Client alice = Wss.connect("/ws/chat/mtls", "alice");
        alice.next("welcome");
        alice.close();
    }
}
