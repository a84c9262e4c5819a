package io.wsshub.security;

import jakarta.inject.Inject;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/**
 * POST /logout: closes the sockets this login opened (1008 "logged out") on every node, then ends the login (the
 * LtpaToken2 cookie is expired, and refused if replayed).
 */
@WebServlet("/logout")
public class LogoutServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Inject
    transient RevokedLogins revoked;

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        // Only the login that authenticated this very request: not whatever cookie value a request carries (an
        // HTTP Basic request with a junk LtpaToken2 would otherwise add junk to every node's revocation list).
        Object validated = req.getAttribute(FormOrBasicAuthMechanism.VALIDATED_LOGIN);
        String login = validated instanceof String s ? s : null;
        if (login != null) {
            revoked.logout(login);
        }
        req.logout();
        HttpSession session = req.getSession(false);
        if (session != null) {
            session.invalidate();
        }
        resp.sendRedirect(req.getContextPath() + FormOrBasicAuthMechanism.LOGIN_PAGE);
    }
}
