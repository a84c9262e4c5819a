package io.wsshub.security;

import io.wsshub.transport.Connections;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.logging.Logger;

/**
 * The configurator of every endpoint: refuses a browser handshake from a foreign Origin (the container answers
 * 403 and does not upgrade) and remembers which login cookie authenticated the handshake, for logout.
 */
public class HandshakeGuard extends ServerEndpointConfig.Configurator {

    private static final Logger LOG = Logger.getLogger(HandshakeGuard.class.getName());
    private volatile OriginPolicy origins;

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
        Object httpSession = request.getHttpSession();
        if (httpSession != null) {
            sec.getUserProperties().put(Connections.HTTP_SESSION, httpSession);
        } else {
            sec.getUserProperties().remove(Connections.HTTP_SESSION);
        }
    }
}
