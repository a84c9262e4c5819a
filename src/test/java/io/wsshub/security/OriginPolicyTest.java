package io.wsshub.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {

    private static OriginPolicy policy(int port, String host, String list) {
        OriginPolicy p = new OriginPolicy();
        p.httpsPort = port;
        p.publicHost = Optional.ofNullable(host);
        p.configured = Optional.ofNullable(list);
        return p;
    }

    @Test
    void defaultIsTheServersOwnOriginAndFollowsThePort() {
        OriginPolicy p = policy(8443, "", "");
        assertTrue(p.allows("https://localhost:8443"));
        assertTrue(p.allows("HTTPS://LOCALHOST:8443/"));
        assertTrue(p.allows(null), "non-browser clients send no Origin");
        for (String bad : new String[] {"https://localhost:9443", "http://localhost:8443", "https://localhost",
                "https://localhost.evil.example:8443", "https://evil.example", "null", ""}) {
            assertFalse(p.allows(bad), bad);
        }
    }

    @Test
    void aPublicHostIsAddedWithAndWithoutThePort() {
        OriginPolicy p = policy(9443, "chat.example.com", null);
        assertTrue(p.allows("https://chat.example.com:9443"));
        assertTrue(p.allows("https://chat.example.com"));
        assertTrue(p.allows("https://chat.example.com:443"));
        assertFalse(p.allows("https://chat.example.com.evil.example"));
        assertFalse(p.allows("https://evilchat.example.com"));
    }

    @Test
    void aPublicHostWithAPortIsTakenAsItIsForALoadBalancer() {
        OriginPolicy p = policy(9443, "localhost:8443", null);
        assertTrue(p.allows("https://localhost:8443"), "the balancer's origin");
        assertTrue(p.allows("https://localhost:9443"), "the node's own");
        assertFalse(p.allows("https://localhost:8443:9443"));
        assertFalse(p.allows("https://localhost"));
    }

    @Test
    void anExplicitListReplacesTheDefault() {
        OriginPolicy p = policy(9443, null, "https://a.example, https://b.example:8443");
        assertTrue(p.allows("https://a.example"));
        assertTrue(p.allows("https://b.example:8443"));
        assertFalse(p.allows("https://localhost:9443"));
    }

    @Test
    void aStateChangingRequestFromAnotherSiteIsCrossSiteAndOneWithoutBrowserHeadersIsNot() {
        OriginPolicy p = policy(9443, "", "");
        assertTrue(p.crossSiteWrite("POST", "https://evil.example", null));
        assertTrue(p.crossSiteWrite("POST", "null", null), "a sandboxed frame or a data: page");
        assertTrue(p.crossSiteWrite("POST", "null", "cross-site"));
        assertFalse(p.crossSiteWrite("POST", "null", "same-origin"), "our own page under a no-referrer policy");
        assertTrue(p.crossSiteWrite("DELETE", "https://evil.example", "cross-site"));
        assertTrue(p.crossSiteWrite("POST", null, "cross-site"));
        assertTrue(p.crossSiteWrite("POST", null, "same-site"), "a sibling subdomain is another origin");
        assertFalse(p.crossSiteWrite("POST", "https://localhost:9443", "same-origin"));
        assertFalse(p.crossSiteWrite("POST", null, "same-origin"));
        assertFalse(p.crossSiteWrite("POST", null, "none"), "typed by the user");
        assertFalse(p.crossSiteWrite("POST", null, null), "curl, a service, the preStop drain");
        assertFalse(p.crossSiteWrite("GET", "https://evil.example", "cross-site"), "reads are the Origin rule's");
    }
}
