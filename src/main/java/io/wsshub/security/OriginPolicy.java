package io.wsshub.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Which browser origins may open WebSockets (cross-site WebSocket hijacking: a page on another site must not
 * ride the user's login cookie). Exact matches only: scheme, host and port. By default the server's own https
 * origins: https://localhost:{https.port} plus https://{public.host}[:port] when configured; or exactly the
 * comma-separated list in {@code security.allowed.origins}.
 */
@ApplicationScoped
public class OriginPolicy {

    @Inject
    @ConfigProperty(name = "https.port", defaultValue = "9443")
    int httpsPort;

    @Inject
    @ConfigProperty(name = "public.host")
    Optional<String> publicHost;

    @Inject
    @ConfigProperty(name = "security.allowed.origins")
    Optional<String> configured;

    private volatile Set<String> allowed;

    public Set<String> allowed() {
        Set<String> a = allowed;
        if (a == null) {
            a = compute();
            allowed = a;
        }
        return a;
    }

    private Set<String> compute() {
        Set<String> out = new LinkedHashSet<>();
        if (configured.isPresent() && !configured.get().isBlank()) {
            for (String o : configured.get().split(",")) {
                if (!o.isBlank()) {
                    out.add(normalize(o.trim()));
                }
            }
            return Set.copyOf(out);
        }
        String port = httpsPort == 443 ? "" : ":" + httpsPort;
        out.add("https://localhost" + port);
        publicHost.filter(h -> !h.isBlank()).ifPresent(h -> {
            if (h.contains(":")) { // host:port, e.g. a load balancer's public port
                out.add(normalize("https://" + h.trim().toLowerCase(Locale.ROOT)));
                return;
            }
            out.add("https://" + h.trim().toLowerCase(Locale.ROOT) + port);
            if (httpsPort != 443) {
                out.add("https://" + h.trim().toLowerCase(Locale.ROOT)); // behind a TLS proxy on 443
            }
        });
        return Set.copyOf(out);
    }

    /** A handshake without Origin (not a browser) is allowed: it still has to authenticate. */
    public boolean allows(String origin) {
        return origin == null || allowed().contains(normalize(origin));
    }

    /**
     * A state-changing request (POST, PUT, PATCH, DELETE) that a browser sent from another site: its Origin is not
     * one of ours ({@code Origin: null} included, unless the browser says {@code Sec-Fetch-Site: same-origin}: a
     * page of ours under a no-referrer policy) or, without Origin, {@code Sec-Fetch-Site} is not same-origin or
     * none. A request that carries neither header (curl, a service, the preStop drain) is not cross-site: it
     * still has to authenticate, and no browser sends a form or fetch without them.
     */
    public boolean crossSiteWrite(String method, String origin, String fetchSite) {
        if (method == null || !(method.equalsIgnoreCase("POST") || method.equalsIgnoreCase("PUT")
                || method.equalsIgnoreCase("PATCH") || method.equalsIgnoreCase("DELETE"))) {
            return false;
        }
        if (origin != null && !(origin.equals("null") && "same-origin".equalsIgnoreCase(fetchSite))) {
            return !allowed().contains(normalize(origin));
        }
        return fetchSite != null && !fetchSite.equalsIgnoreCase("same-origin") && !fetchSite.equalsIgnoreCase("none");
    }

    private static String normalize(String origin) {
        String o = origin.toLowerCase(Locale.ROOT);
        if (o.endsWith("/")) {
            o = o.substring(0, o.length() - 1);
        }
        if (o.startsWith("https://") && o.endsWith(":443")) {
            o = o.substring(0, o.length() - 4);
        }
        return o;
    }
}
