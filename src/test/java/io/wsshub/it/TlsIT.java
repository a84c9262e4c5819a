package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import javax.net.ssl.SSLSocket;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** TLS as configured in liberty/server.xml: 1.3 by default, 1.2 only with ECDHE + AEAD, HSTS. */
@ExtendWith(ArquillianExtension.class)
class TlsIT {

    private static SSLSocket socket(String[] protocols, String[] suites) throws IOException {
        SSLSocket s = (SSLSocket) Wss.ssl().getSocketFactory().createSocket("localhost", Wss.port());
        if (protocols != null) {
            s.setEnabledProtocols(protocols);
        }
        if (suites != null) {
            s.setEnabledCipherSuites(suites);
        }
        return s;
    }

    @Test
    void tls13IsNegotiatedByDefault() throws Exception {
        try (SSLSocket s = socket(null, null)) {
            s.startHandshake();
            assertEquals("TLSv1.3", s.getSession().getProtocol());
        }
    }

    @Test
    void tls12WithEcdheAndGcmIsAccepted() throws Exception {
        try (SSLSocket s = socket(new String[] {"TLSv1.2"}, new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"})) {
            s.startHandshake();
            assertEquals("TLSv1.2", s.getSession().getProtocol());
            assertEquals("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", s.getSession().getCipherSuite());
        }
    }

    @Test
    void aTls11OnlyClientIsRefused() throws Exception {
        refused(new String[] {"TLSv1.1"}, new String[] {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"});
        refused(new String[] {"TLSv1"}, new String[] {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                "TLS_RSA_WITH_AES_128_CBC_SHA"});
    }

    @Test
    void aCbcOnlyTls12ClientIsRefused() throws Exception {
        refused(new String[] {"TLSv1.2"}, new String[] {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"});
    }

    /** The client offers what it was told (the test JVM re-enables legacy TLS), and the server says no. */
    private static void refused(String[] protocols, String[] suites) throws Exception {
        try (SSLSocket s = socket(protocols, suites)) {
            IOException e = assertThrows(IOException.class, s::startHandshake);
            String msg = String.valueOf(e.getMessage());
            assertFalse(msg.contains("No appropriate protocol"), "the client itself refused: " + msg);
        }
    }

    @Test
    void everyResponseCarriesHsts() throws Exception {
        for (String path : new String[] {"/login.html", "/", "/ws/chat/lobby", "/no-such-page"}) {
            HttpResponse<String> r = Wss.http().send(HttpRequest.newBuilder(Wss.https(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            String hsts = r.headers().firstValue("Strict-Transport-Security").orElse("");
            assertTrue(hsts.contains("max-age=63072000"), path + " -> " + r.statusCode() + " " + hsts);
        }
    }
}
