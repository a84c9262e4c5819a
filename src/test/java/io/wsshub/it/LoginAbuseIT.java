package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What an anonymous or guessing client can cost the server: no HTTP session per anonymous request (the return URL
 * travels in the login page's URL), and a lock-out (429 + Retry-After) after too many failed passwords for a name
 * or from an address, a correct password included.
 */
@ExtendWith(ArquillianExtension.class)
class LoginAbuseIT {

    @Test
    void thousandsOfAnonymousRequestsCreateNoSession() throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(Wss.ssl()).followRedirects(HttpClient.Redirect.NEVER)
                .build(); // no cookie store: every request is a new anonymous visitor
        for (int i = 0; i < 3000; i++) {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(Wss.https("/index.html?room=r" + i)).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(302, r.statusCode());
            List<String> cookies = r.headers().allValues("Set-Cookie");
            assertTrue(cookies.stream().noneMatch(c -> c.startsWith("JSESSIONID=")),
                    "request " + i + " created a session: " + cookies);
            if (i == 0) {
                assertEquals("/login.html?next=%2Findex.html%3Froom%3Dr0",
                        r.headers().firstValue("Location").orElseThrow().replaceFirst("^https://[^/]+", ""));
            }
        }
    }

    @Test
    void afterTheReturnUrlTheLoginGoesBackToThePageThatAsked() throws Exception {
        HttpClient http = Wss.http();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(Wss.https("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("j_username=carol&j_password=" + Wss.PASSWORD
                        + "&next=%2Findex.html%3Froom%3Dkitchen")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(302, r.statusCode());
        assertTrue(r.headers().firstValue("Location").orElseThrow().endsWith("/index.html?room=kitchen"));
        HttpResponse<String> evil = Wss.http().send(HttpRequest.newBuilder(Wss.https("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("j_username=carol&j_password=" + Wss.PASSWORD
                        + "&next=%2F%2Fevil.example%2F")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(302, evil.statusCode());
        assertTrue(evil.headers().firstValue("Location").orElseThrow().matches("https://[^/]+/"),
                "never an open redirect: " + evil.headers().firstValue("Location"));
    }

    @Test
    void fiveWrongPasswordsLockTheNameOutEvenForTheRightPassword() throws Exception {
        String path = "/ws/chat/throttle";
        for (int i = 0; i < 5; i++) {
            assertEquals(401, Wss.handshakeStatus(path, "Authorization", Wss.basic("dave", "wrong-" + i)));
        }
        HttpResponse<String> locked = Wss.http().send(HttpRequest.newBuilder(Wss.https("/index.html"))
                .header("Authorization", Wss.basic("dave", Wss.PASSWORD)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(429, locked.statusCode(), "the right password during the lock-out");
        long retryAfter = Long.parseLong(locked.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter > 0 && retryAfter <= 30, "Retry-After " + retryAfter);
        assertEquals(429, Wss.handshakeStatus(path, "Authorization", Wss.basic("dave", Wss.PASSWORD)));
        HttpResponse<String> form = Wss.http().send(HttpRequest.newBuilder(Wss.https("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("j_username=dave&j_password=" + Wss.PASSWORD)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(429, form.statusCode(), "the login form is locked out too");
        assertEquals(101, Wss.handshakeStatus(path, "Authorization", Wss.basic("alice", Wss.PASSWORD)),
                "other users are not affected");
    }

    @Test
    void anAddressGuessingManyNamesIsLockedOut() throws Exception {
        InetAddress from = InetAddress.getByName("127.0.0.2"); // its own address: the other tests use 127.0.0.1
        int limit = Integer.getInteger("it.login.address.failures", 20);
        for (int i = 0; i < limit; i++) {
            assertEquals(401, status(from, "guess" + i, "wrong"));
        }
        assertEquals(429, status(from, "alice", Wss.PASSWORD), "any name, even with its right password");
        assertEquals(200, status(InetAddress.getByName("127.0.0.3"), "alice", Wss.PASSWORD), "other addresses are not");
    }

    /** GET /index.html with Basic credentials from a given local address; the HTTP status. */
    private static int status(InetAddress from, String user, String password) throws Exception {
        try (SSLSocket s = (SSLSocket) Wss.ssl().getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                Wss.port(), from, 0)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /index.html HTTP/1.1\r\nHost: localhost:" + Wss.port() + "\r\nAuthorization: "
                    + Wss.basic(user, password) + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            return Integer.parseInt(line.split(" ")[1]);
        }
    }
}
