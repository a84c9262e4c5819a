package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    private static java.net.http.HttpResponse<String> loginPost(String origin, String fetchSite) throws Exception {
        var b = java.net.http.HttpRequest.newBuilder(Wss.https("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded");
        if (origin != null) {
            b.header("Origin", origin);
        }
        if (fetchSite != null) {
            b.header("Sec-Fetch-Site", fetchSite);
        }
        var http = java.net.http.HttpClient.newBuilder().sslContext(Wss.ssl()).build(); // no cookie jar
        return http.send(b.POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                "j_username=carol&j_password=" + Wss.PASSWORD)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    private static boolean setsLoginCookie(java.net.http.HttpResponse<String> r) {
        return r.headers().allValues("Set-Cookie").stream().anyMatch(c -> c.startsWith("LtpaToken2="));
    }

    @Test
    void aStateChangingRequestFromAnotherSiteIsRefusedAndOneWithoutBrowserHeadersIsNot() throws Exception {
        for (String[] foreign : new String[][] {{"https://evil.example", null}, {"null", null},
                {null, "cross-site"}, {null, "same-site"}}) {
            var r = loginPost(foreign[0], foreign[1]);
            assertEquals(403, r.statusCode(), "login CSRF from " + String.join(",", java.util.Arrays.toString(foreign)));
            assertTrue(r.body().contains("cross_site"), r.body());
            assertFalse(setsLoginCookie(r), "no login cookie for a forged login");
        }
        for (String[] own : new String[][] {{null, null}, {"https://localhost:" + Wss.port(), "same-origin"},
                {null, "none"}}) {
            var r = loginPost(own[0], own[1]);
            assertEquals(302, r.statusCode(), java.util.Arrays.toString(own));
            assertTrue(setsLoginCookie(r));
        }
        // the server API with a publisher's credentials, posted from a page elsewhere: nothing is stored
        String channel = "chat:csrf-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        var post = Wss.http().send(java.net.http.HttpRequest.newBuilder(Wss.https("/api/channels/" + channel + "/messages"))
                .header("Authorization", Wss.basic("feed", Wss.PASSWORD)).header("Origin", "https://evil.example")
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"text\":\"forged\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(403, post.statusCode(), post.body());
        var history = Wss.http().send(java.net.http.HttpRequest.newBuilder(Wss.https("/api/channels/" + channel + "/history"))
                .header("Authorization", Wss.basic("feed", Wss.PASSWORD)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, history.statusCode(), history.body());
        assertTrue(history.body().contains("\"messages\":[]"), history.body());
    }

    /**
     * The review's finding: a login/logout loop issued a cookie per request and every logout had to be remembered on
     * every node for a day. Logins per user and minute are limited: one too many is 429 with Retry-After and no
     * cookie (erin logs in nowhere else in the tests).
     */
    @Test
    void aLoginLogoutLoopIsCutOffByTheLoginRateLimit() throws Exception {
        int max = Integer.getInteger("it.login.max.per.minute", 10);
        for (int i = 0; i < max; i++) {
            String cookie = Wss.formLogin("erin", Wss.PASSWORD);
            var logout = Wss.http().send(java.net.http.HttpRequest.newBuilder(Wss.https("/logout"))
                    .header("Cookie", cookie).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(302, logout.statusCode(), "logout " + i);
        }
        var http = java.net.http.HttpClient.newBuilder().sslContext(Wss.ssl()).build(); // no cookie jar
        var refused = http.send(java.net.http.HttpRequest.newBuilder(Wss.https("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("j_username=erin&j_password=" + Wss.PASSWORD))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(429, refused.statusCode(), "login " + (max + 1) + " within a minute");
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElse("0"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        assertFalse(setsLoginCookie(refused), "no login cookie");
        Client basic = Wss.connect(PATH, "erin"); // HTTP Basic issues no login cookie: not limited
        assertEquals("erin", basic.next("welcome").getString("user"));
        basic.close();
    }
}
