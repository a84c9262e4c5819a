package io.wsshub.security;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/**
 * Reached only after {@link FormOrBasicAuthMechanism} accepted the login form: go to the page that asked (the
 * form's {@code next}, which the login page copies from its own URL), if it is a local path.
 */
@WebServlet("/login")
public class LoginServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String target = req.getParameter("next");
        HttpSession session = req.getSession(false);
        if (session != null) {
            req.changeSessionId(); // no session fixation across the login
        }
        // only a local path: never an open redirect (//host, /\host and control characters are refused)
        if (target == null || !target.startsWith(req.getContextPath() + "/") || target.startsWith("//")
                || target.contains("\\") || target.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            target = req.getContextPath() + "/";
        }
        resp.sendRedirect(target);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.sendRedirect(req.getContextPath() + FormOrBasicAuthMechanism.LOGIN_PAGE);
    }
}
