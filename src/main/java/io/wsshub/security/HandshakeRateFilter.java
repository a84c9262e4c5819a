package io.wsshub.security;

import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Refuses a WebSocket handshake over its user's or its address's rate ({@link HandshakeRate}) with 429 and
 * Retry-After, before the upgrade: nothing is admitted, joined or counted for it. Runs after authentication (the
 * endpoints are protected), so the user is known.
 */
@WebFilter("/ws/*")
public class HandshakeRateFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    @Inject
    transient HandshakeRate rate;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        long wait = rate.acquire(req.getRemoteUser(), req.getRemoteAddr());
        if (wait > 0) {
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.HANDSHAKES_REFUSED, "handshake_rate");
            res.setHeader("Retry-After", Long.toString(wait));
            res.sendError(429, "too many handshakes: try again in " + wait + " s");
            return;
        }
        chain.doFilter(req, res);
    }
}
