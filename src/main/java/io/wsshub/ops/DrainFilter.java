package io.wsshub.ops;

import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** A draining node refuses new WebSocket handshakes with 503 (and Retry-After): the client goes to another node. */
@WebFilter("/ws/*")
public class DrainFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    @Inject
    transient Drain drain;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (drain.draining()) {
            Metrics.inc(Metrics.HANDSHAKES_REFUSED, "draining");
            res.setHeader("Retry-After", "1");
            res.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "this node is draining");
            return;
        }
        chain.doFilter(req, res);
    }
}
