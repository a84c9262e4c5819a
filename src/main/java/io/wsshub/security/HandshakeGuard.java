package io.wsshub.security;

import io.wsshub.transport.Connections;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.logging.Logger;

/**
 * The configurator of every endpoint: refuses a browser handshake from a foreign Origin (the container answers
 * 403 and does not upgrade), remembers which login cookie authenticated the handshake, for logout, and which of
 * the role-gated channel namespaces' roles the user is in.
 */
public class HandshakeGuard extends ServerEndpointConfig.Configurator {

    private static final Logger LOG = Logger.getLogger(HandshakeGuard.class.getName());
    /** Handshake user property: the roles of channels.roles the user is in (a Set of role names). */
    public static final String ROLES = "wsshub.roles";
    private volatile OriginPolicy origins;
    private volatile io.wsshub.channel.ChannelSettings channels;

    @Override
    public boolean checkOrigin(String originHeaderValue) {
        OriginPolicy p = origins;
        if (p == null) {
            p = CDI.current().select(OriginPolicy.class).get();
            origins = p;
        }
        boolean ok = p.allows(originHeaderValue);
        if (!ok) {
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.HANDSHAKES_REFUSED, "origin");
            LOG.warning(() -> "websocket handshake refused: origin not allowed: " + originHeaderValue);
        }
        return ok;
    }

    @Override
    public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
        String token = LoginToken.fromCookieHeaders(request.getHeaders().get("Cookie"));
        if (token == null) {
            token = LoginToken.fromCookieHeaders(request.getHeaders().get("cookie"));
        }
        if (token != null) {
            sec.getUserProperties().put(Connections.LOGIN_TOKEN, token);
        } else {
            sec.getUserProperties().remove(Connections.LOGIN_TOKEN);
        }
        // An injected SecurityContext does not know the user inside the endpoint's callbacks: ask here.
        io.wsshub.channel.ChannelSettings cs = channels;
        if (cs == null) {
            cs = CDI.current().select(io.wsshub.channel.ChannelSettings.class).get();
            channels = cs;
        }
        java.util.Set<String> roles = new java.util.HashSet<>();
        for (String role : cs.roles().values()) {
            if (request.isUserInRole(role)) {
                roles.add(role);
            }
        }
        sec.getUserProperties().put(ROLES, java.util.Set.copyOf(roles));
        Object httpSession = request.getHttpSession();
        if (httpSession != null) {
            sec.getUserProperties().put(Connections.HTTP_SESSION, httpSession);
        } else {
            sec.getUserProperties().remove(Connections.HTTP_SESSION);
        }
    }
}
