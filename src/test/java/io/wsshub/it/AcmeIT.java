package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * ACME mode (docs/acme.md) against a real RFC 8555 CA: Debian's {@code pebble} on loopback, with a throw-away CA
 * for its own listener trusted through ACME_TRUSTSTORE_PATH, and HTTP-01 really validated on the node's plain-HTTP
 * port. A Liberty node started with only the documented environment gets its certificate on first start, serves
 * it (the chain verifies against Pebble's root and names the domain), redirects plain HTTP to https://, and swaps
 * the certificate on a forced renewal while a socket stays open and the process stays the same.
 */
@ExtendWith(ArquillianExtension.class)
class AcmeIT {

    static final String TRUST_PASSWORD = "acme-it-trust";
    /** The node runs in production mode, so its users have a password of their own (the guard refuses demo-pass). */
    static final String USERS_PASSWORD = "acme-it-users";
    static Path dir;
    static Process pebble;
    static int pebblePort;
    static int pebbleManagementPort;
    static int httpPort;
    static LibertyNode node;
    static HttpClient trusting; // trusts Pebble's root only

    @BeforeAll
    static void start() throws Exception {
        Wss.ssl(); // Arquillian's server first: the node is a copy of it
        dir = Path.of("target", "acme-it").toAbsolutePath();
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(dir);
        // a throw-away CA, and a certificate from it for Pebble's own HTTPS listener
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                "-days", "2", "-subj", "/CN=acme-it listener CA");
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "pebble.key", "-out", "pebble.csr",
                "-subj", "/CN=127.0.0.1");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        run("openssl", "x509", "-req", "-in", "pebble.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "pebble.pem", "-days", "2", "-extfile", "san.ext");
        run("keytool", "-importcert", "-noprompt", "-storetype", "PKCS12", "-keystore", "trust.p12", "-storepass",
                TRUST_PASSWORD, "-alias", "listener-ca", "-file", "ca.pem");

        pebblePort = RedisProcess.freePort();
        pebbleManagementPort = RedisProcess.freePort();
        httpPort = RedisProcess.freePort();
        Files.writeString(dir.resolve("pebble.json"), "{\"pebble\":{\"listenAddress\":\"127.0.0.1:" + pebblePort
                + "\",\"managementListenAddress\":\"127.0.0.1:" + pebbleManagementPort + "\",\"certificate\":\""
                + dir.resolve("pebble.pem") + "\",\"privateKey\":\"" + dir.resolve("pebble.key")
                + "\",\"httpPort\":" + httpPort + ",\"tlsPort\":" + RedisProcess.freePort()
                + ",\"ocspResponderURL\":\"\",\"externalAccountBindingRequired\":false"
                + ",\"certificateValidityPeriod\":7776000}}"); // 90 days, as Let's Encrypt (Pebble's default: 5 years)
        if (!new java.io.File("/usr/bin/pebble").canExecute()) {
            throw new AssertionError("pebble is not installed: apt-get install pebble (or ./test)");
        }
        ProcessBuilder pb = new ProcessBuilder("pebble", "-config", dir.resolve("pebble.json").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("pebble.out").toFile());
        pb.environment().put("PEBBLE_VA_NOSLEEP", "1");
        pb.environment().put("PEBBLE_WFE_NONCEREJECT", "0");
        pb.environment().put("PEBBLE_AUTHZREUSE", "0");
        pebble = pb.start();
        HttpClient toPebble = client(trustStore(dir.resolve("ca.pem")));
        String root = await("Pebble's root", Duration.ofSeconds(30), () -> {
            try {
                HttpResponse<String> r = toPebble.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
                        + pebbleManagementPort + "/roots/0")).build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 ? r.body() : null;
            } catch (java.io.IOException e) {
                if (!pebble.isAlive()) {
                    throw new AssertionError("pebble exited; see " + dir.resolve("pebble.out"));
                }
                return null; // not listening yet
            }
        });
        Files.writeString(dir.resolve("pebble-root.pem"), root);
        trusting = client(trustStore(dir.resolve("pebble-root.pem")));

        node = new LibertyNode("acme", Map.of(
                "ACME_DIRECTORY", "https://127.0.0.1:" + pebblePort + "/dir",
                "ACME_DOMAINS", "localhost",
                "ACME_EMAIL", "ops@example.com",
                "ACME_HTTP_PORT", Integer.toString(httpPort),
                "ACME_TRUSTSTORE_PATH", dir.resolve("trust.p12").toString(),
                "ACME_TRUSTSTORE_PASSWORD", TRUST_PASSWORD,
                "NODE_NAME", "acme",
                // production mode: the guard accepts the ACME certificate (and nothing else of the dev defaults)
                "WSSHUB_MODE", "production",
                "TLS_KEYSTORE_PASSWORD", "acme-it-keystore",
                "DEMO_PASSWORD", USERS_PASSWORD));
        node.startServerOnly();
        // the HTTPS port opens once the certificate is installed: wait for a page served under Pebble's chain
        await("the node to serve its ACME certificate", Duration.ofSeconds(180), () -> {
            try {
                HttpResponse<String> r = trusting.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                        + node.port() + "/login.html")).build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 ? "ok" : null;
            } catch (java.io.IOException e) {
                return null;
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        LibertyNode.closeAll(node);
        if (pebble != null) {
            pebble.destroy();
            pebble.waitFor(10, TimeUnit.SECONDS);
        }
    }

    interface Probe<T> {
        T get() throws Exception;
    }

    static <T> T await(String what, Duration timeout, Probe<T> probe) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            T v = probe.get();
            if (v != null) {
                return v;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(250);
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("tools.out").toFile()).start();
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + " failed; see " + dir.resolve("tools.out"));
    }

    private static KeyStore trustStore(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            int i = 0;
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("c" + i++, c);
            }
        }
        return ks;
    }

    private static SSLContext context(KeyStore trust) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static HttpClient client(KeyStore trust) throws Exception {
        return HttpClient.newBuilder().sslContext(context(trust)).connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The certificate chain the HTTPS port serves now (a fresh handshake, verified against Pebble's root). */
    private static List<X509Certificate> servedChain() throws Exception {
        SSLContext ctx = context(trustStore(dir.resolve("pebble-root.pem")));
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", node.port())) {
            var params = s.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS"); // the name must match, as browsers check
            s.setSSLParameters(params);
            s.startHandshake();
            List<X509Certificate> out = new ArrayList<>();
            for (var c : s.getSession().getPeerCertificates()) {
                out.add((X509Certificate) c);
            }
            return out;
        }
    }

    private static boolean names(X509Certificate c, String dns) throws Exception {
        Collection<List<?>> sans = c.getSubjectAlternativeNames();
        return sans != null && sans.stream().anyMatch(san -> Integer.valueOf(2).equals(san.get(0))
                && dns.equals(san.get(1)));
    }

    private static Client chat(String room, String user) throws Exception {
        Client c = new Client();
        trusting.newWebSocketBuilder().header("Authorization", Wss.basic(user, USERS_PASSWORD))
                .connectTimeout(Duration.ofSeconds(15))
                .buildAsync(URI.create("wss://localhost:" + node.port() + "/ws/chat/" + room), c)
                .get(15, TimeUnit.SECONDS);
        return c;
    }

    @Test
    void inProductionModeTheGuardLetsTheAcmeCertificateThrough() throws Exception {
        assertFalse(node.log().contains("refuses to run on dev secrets"), "the production guard refused");
        HttpResponse<String> ready = trusting.send(HttpRequest.newBuilder(URI.create("https://localhost:" + node.port()
                + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body()); // the keystore check reads ACME mode's keystore
    }

    @Test
    void theCertificateComesFromTheCaAndARenewalSwapsItUnderAnOpenSocket() throws Exception {
        List<X509Certificate> chain = servedChain(); // verified against Pebble's root, for the name localhost
        X509Certificate leaf = chain.get(0);
        assertTrue(names(leaf, "localhost"), "the certificate names the configured domain: " + leaf);
        assertNotEquals(leaf.getSubjectX500Principal(), leaf.getIssuerX500Principal(), "not self-signed");
        assertTrue(chain.size() >= 2, "the intermediate is served with it");

        Client alice = chat("acme", "alice");
        alice.next("welcome");
        long pid = node.pid();

        // an operator forces a renewal (docs/acme.md): renew-before longer than the certificate's validity
        Path renew = Path.of(System.getProperty("it.server.dir")).getParent()
                .resolve("acme/configDropins/overrides/acme-renew-now.xml");
        Files.writeString(renew, "<server><variable name=\"acme.renew.before\" value=\"3650d\"/></server>\n");
        try {
            X509Certificate renewed = await("a renewed certificate", Duration.ofSeconds(120), () -> {
                X509Certificate now = servedChain().get(0);
                return now.getSerialNumber().equals(leaf.getSerialNumber()) ? null : now;
            });
            assertTrue(names(renewed, "localhost"));
        } finally {
            Files.delete(renew);
        }
        assertEquals(pid, node.pid(), "no restart");
        alice.sendJson("send", "text", "still here", "clientId", "acme-1");
        assertEquals("still here", alice.next("message").getString("text"), "the socket opened before stayed up");
        assertFalse(alice.closed.isDone());
        alice.close();
    }

    @Test
    void testsslFindsNothingAtMediumOrAboveInAcmeMode() throws Exception {
        // Pebble's root is added as trusted (a public CA's would be in testssl's stores); Pebble has no OCSP or
        // CRL service, so only the revocation checks are let through
        TlsScanIT.assertScanFindsNothing(node.port(), dir.resolve("testssl"), java.util.Set.of("cert_revocation",
                "cert_ocspRevoked", "OCSP_stapling", "cert_crlDistributionPoints", "cert_ocspURL"),
                "--add-ca", dir.resolve("pebble-root.pem").toString());
    }

    @Test
    void thePlainHttpPortServesNoApplicationContentOnlyRedirectsToHttps() throws Exception {
        HttpClient plain = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        for (String path : List.of("/", "/index.html", "/login.html", "/chat.html", "/api/channels/chat:lobby/history",
                "/metrics", "/ws/chat/lobby")) {
            HttpResponse<String> r = plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort
                    + path)).header("Authorization", Wss.basic("monitor", USERS_PASSWORD)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(r.statusCode() >= 301 && r.statusCode() <= 308, path + " answered " + r.statusCode());
            String location = r.headers().firstValue("Location").orElse("");
            assertTrue(location.startsWith("https://localhost:" + node.port() + "/"), path + " -> " + location);
            assertFalse(r.body().contains("wss-hub"), path + " served application content over plain HTTP");
        }
    }

    @Test
    void withoutAcmeDirectoryNothingListensOnPlainHttp() throws Exception {
        // Arquillian's server runs without ACME_DIRECTORY: its HTTP endpoint has no plain port (httpPort -1)
        String log = Files.readString(Path.of(System.getProperty("it.server.dir"), "logs", "messages.log"));
        assertFalse(log.contains("CWWKO0219I: TCP Channel defaultHttpEndpoint has been started"),
                "a plain-HTTP listener started without ACME");
        assertTrue(log.contains("defaultHttpEndpoint-ssl has been started"));
        assertFalse(log.contains("acmeCA"), "the acmeCA feature is off");
    }
}
