package io.wsshub.security;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/** Reached only after {@link FormOrBasicAuthMechanism} accepted the login form: go to the page that asked. */
@WebServlet("/login")
public class LoginServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String target = null;
        HttpSession session = req.getSession(false);
        if (session != null) {
            target = (String) session.getAttribute(FormOrBasicAuthMechanism.SAVED_URL);
            session.removeAttribute(FormOrBasicAuthMechanism.SAVED_URL);
            req.changeSessionId(); // no session fixation across the login
        }
        // only a local path: never an open redirect
        if (target == null || !target.startsWith(req.getContextPath() + "/") || target.startsWith("//")) {
            target = req.getContextPath() + "/";
        }
        resp.sendRedirect(target);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.sendRedirect(req.getContextPath() + FormOrBasicAuthMechanism.LOGIN_PAGE);
    }
}
