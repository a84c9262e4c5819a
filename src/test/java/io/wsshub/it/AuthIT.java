package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Handshakes need an authenticated user in role "user": Basic for programs, the login cookie for browsers. */
@ExtendWith(ArquillianExtension.class)
class AuthIT {

    private static final String PATH = "/ws/chat/lobby";

    @Test
    void anUnauthenticatedHandshakeGets401() throws Exception {
        assertEquals(401, Wss.handshakeStatus(PATH, null, null));
    }

    @Test
    void aWrongPasswordGets401() throws Exception {
        assertEquals(401, Wss.handshakeStatus(PATH, "Authorization", Wss.basic("alice", "wrong")));
        assertEquals(401, Wss.handshakeStatus(PATH, "Authorization", Wss.basic("mallory", Wss.PASSWORD)));
        assertEquals(401, Wss.handshakeStatus(PATH, "Authorization", Wss.basic("alice", "")));
    }

    @Test
    void anAuthenticatedUserWithoutRoleUserGets403() throws Exception {
        // feed is only a publisher (dev registry)
        assertEquals(403, Wss.handshakeStatus(PATH, "Authorization", Wss.basic("feed", Wss.PASSWORD)));
    }

    @Test
    void theChallengeAsksForBasic() throws Exception {
        HttpResponse<String> r = Wss.http().send(HttpRequest.newBuilder(Wss.https(PATH)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, r.statusCode());
        assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic "));
    }

    @Test
    void basicCredentialsOpenTheSocket() throws Exception {
        Client bob = Wss.connect(PATH, "bob");
        assertEquals("bob", bob.next("welcome").getString("user"));
        bob.close();
    }

    @Test
    void aBrowserLoginCookieOpensTheSocket() throws Exception {
        String cookie = Wss.formLogin("carol", Wss.PASSWORD);
        assertTrue(cookie.contains("LtpaToken2="), cookie);
        Client carol = Wss.connect(PATH, "Cookie", cookie);
        assertEquals("carol", carol.next("welcome").getString("user"));
        carol.close();
    }

    @Test
    void pagesRedirectToTheLoginPageAndAWrongPasswordSaysSo() throws Exception {
        HttpResponse<String> root = Wss.http().send(HttpRequest.newBuilder(Wss.https("/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(302, root.statusCode());
        assertTrue(root.headers().firstValue("Location").orElse("").endsWith("/login.html"));

        HttpResponse<String> bad = Wss.http().send(HttpRequest.newBuilder(Wss.https("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("j_username=alice&j_password=wrong")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(bad.body().contains("Wrong user name or password"), bad.body());
        assertTrue(bad.headers().allValues("Set-Cookie").stream().noneMatch(c -> c.startsWith("LtpaToken2=")
                && !c.startsWith("LtpaToken2=\"\"") && !c.contains("Max-Age=0") && !c.contains("Expires=Thu, 01")));
    }
}
