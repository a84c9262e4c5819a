package io.wsshub.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.security.auth.message.callback.PasswordValidationCallback;
import jakarta.security.enterprise.AuthenticationException;
import jakarta.security.enterprise.AuthenticationStatus;
import jakarta.security.enterprise.authentication.mechanism.http.HttpAuthenticationMechanism;
import jakarta.security.enterprise.authentication.mechanism.http.HttpMessageContext;
import jakarta.inject.Inject;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import javax.security.auth.callback.Callback;

/**
 * The application's one authentication mechanism, so browsers and other clients can use the same handshake:
 * <ul>
 * <li>a request Liberty already authenticated by its LtpaToken2 login cookie passes;</li>
 * <li>{@code Authorization: Basic} (command-line and server clients) is checked on every request, no session;</li>
 * <li>{@code POST /login} with j_username/j_password (the login page) registers a session: Liberty issues the
 *     LtpaToken2 cookie that later WebSocket handshakes carry;</li>
 * <li>anything else protected: 401 with a Basic challenge for {@code /ws/*} (a handshake must never be
 *     redirected), a redirect to the login page for pages.</li>
 * </ul>
 * Passwords are checked by the container against server.xml's user registry (basicRegistry or LDAP) through
 * the standard PasswordValidationCallback, which also fills in the user's groups for role mapping.
 */
@ApplicationScoped
public class FormOrBasicAuthMechanism implements HttpAuthenticationMechanism {

    static final String LOGIN_PAGE = "/login.html";
    static final String LOGIN_ERROR_PAGE = "/login-error.html";
    static final String LOGIN_ACTION = "/login";
    /** Request attribute: hash of the login cookie Liberty validated for this request (absent for HTTP Basic). */
    static final String VALIDATED_LOGIN = "wsshub.validatedLogin";
    /** How long a password check waits for the attempts in flight of the same name or address (LoginThrottle). */
    private static final long BUSY_WAIT_NANOS = 3_000_000_000L;
    private static final String REALM = "wss-hub";

    @Inject
    RevokedLogins revoked;
    @Inject
    LoginThrottle throttle;
    @Inject
    LoginRate loginRate;
    @Inject
    VerifiedPasswords verified;
    @Inject
    OriginPolicy origins;

    @Override
    public AuthenticationStatus validateRequest(HttpServletRequest req, HttpServletResponse res,
                                                HttpMessageContext ctx) throws AuthenticationException {
        // CSRF: a form or fetch from another site that changes state (a drain with the browser's cached Basic
        // credentials, a login into the attacker's account) is refused before any credential is looked at.
        if (origins.crossSiteWrite(req.getMethod(), req.getHeader("Origin"), req.getHeader("Sec-Fetch-Site"))) {
            res.setStatus(HttpServletResponse.SC_FORBIDDEN);
            res.setContentType("application/json");
            try {
                res.getWriter().write(io.wsshub.transport.Json.encode(new io.wsshub.channel.ChannelsResource.ApiError(
                        "cross_site", "a state-changing request from another site")));
            } catch (java.io.IOException e) {
                // the client went away
            }
            return AuthenticationStatus.SEND_CONTINUE;
        }
        // Liberty validated the LtpaToken2 cookie before calling us. (notifyContainerAboutLogin here would move
        // the user to another realm and break group mapping: keep Liberty's subject.) A cookie that was logged
        // out is treated as no login at all.
        if (req.getUserPrincipal() != null) {
            String token = loginToken(req);
            if (!revoked.isRevoked(token)) {
                req.setAttribute(VALIDATED_LOGIN, token); // the login this request proved: the one logout may end
                return AuthenticationStatus.SUCCESS;
            }
            expireLoginCookie(res);
        }
        String path = req.getRequestURI().substring(req.getContextPath().length());

        String authorization = req.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String[] credentials = decodeBasic(authorization.substring(6).trim());
            // Known Liberty 26.0.0.3 defect: a Basic header that is not base64 of "user:password" ends in a 500
            // whatever this returns (Liberty's audit code parses the header again after us).
            if (credentials != null && checkPassword(req, res, ctx, credentials[0], credentials[1])) {
                return AuthenticationStatus.SUCCESS;
            }
            if (path.startsWith("/ws/")) {
                io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.HANDSHAKES_REFUSED,
                        res.getStatus() == 429 ? "login_locked" : "unauthenticated");
            }
            return res.getStatus() == 429 ? AuthenticationStatus.SEND_CONTINUE : challenge(res);
        }

        if (LOGIN_ACTION.equals(path) && "POST".equalsIgnoreCase(req.getMethod())) {
            String user = req.getParameter("j_username");
            String password = req.getParameter("j_password");
            if (user != null && password != null && checkPassword(req, res, ctx, user, password)) {
                long wait = loginRate.acquire(user);
                if (wait > 0) { // a new login cookie this minute is one too many (a login/logout loop)
                    tooMany(res, wait);
                    return AuthenticationStatus.SEND_CONTINUE;
                }
                ctx.setRegisterSession(user, Set.of()); // Liberty issues the LtpaToken2 cookie
                return AuthenticationStatus.SUCCESS;    // LoginServlet redirects to the page that asked
            }
            return res.getStatus() == 429 ? AuthenticationStatus.SEND_CONTINUE : ctx.forward(LOGIN_ERROR_PAGE);
        }

        if (!ctx.isProtected()) {
            return ctx.doNothing();
        }
        if (path.startsWith("/ws/")) {
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.HANDSHAKES_REFUSED, "unauthenticated");
        }
        if (path.startsWith("/ws/") || path.startsWith("/api/") || path.equals("/metrics")) {
            return challenge(res); // programs (and scrapers): a challenge, never a redirect
        }
        // The page that asked travels in the login page's URL (?next=), not in a session: an anonymous request
        // creates no server state, however many of them arrive.
        String login = req.getContextPath() + LOGIN_PAGE;
        if ("GET".equalsIgnoreCase(req.getMethod())) {
            String query = req.getQueryString();
            String target = req.getRequestURI() + (query == null ? "" : "?" + query);
            if (!target.equals(req.getContextPath() + "/")) {
                login += "?next=" + java.net.URLEncoder.encode(target, StandardCharsets.UTF_8);
            }
        }
        return ctx.redirect(login);
    }

    /**
     * Checks a password unless the name or the client address is locked out by too many failures: then the answer
     * is 429 with Retry-After (the password is not even checked, so a right guess during the lock-out learns
     * nothing) and false.
     */
    private boolean checkPassword(HttpServletRequest req, HttpServletResponse res, HttpMessageContext ctx,
                                  String user, String password) throws AuthenticationException {
        String address = req.getRemoteAddr();
        long blocked = throttle.retryAfterSeconds(user, address);
        if (blocked > 0) { // a lock-out refuses the right password too
            tooMany(res, blocked);
            return false;
        }
        if (verified.matches(user, password)) { // the password that passed a minute ago: not a guess, no queue
            if (validate(ctx, user, password)) {
                return true;
            }
            verified.forget(user); // changed since: checked (and counted) as any other attempt below
        }
        long wait = throttle.reserve(user, address); // reserved before the check: concurrent guesses count too
        long deadline = System.nanoTime() + BUSY_WAIT_NANOS;
        while (wait == LoginThrottle.BUSY && System.nanoTime() < deadline) {
            // Attempts in flight fill the window (a program opening many sockets at once): their checks take
            // milliseconds, so wait for them instead of refusing what may well be the right password.
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            wait = throttle.reserve(user, address);
        }
        if (wait == LoginThrottle.BUSY) {
            io.wsshub.ops.Metrics.inc(io.wsshub.ops.Metrics.LOGIN_LOCKED);
            wait = 1;
        }
        if (wait > 0) {
            tooMany(res, wait);
            return false;
        }
        if (validate(ctx, user, password)) {
            throttle.succeeded(user, address);
            verified.passed(user, password);
            return true;
        }
        throttle.failed(user, address);
        return false;
    }

    /** 429 with the seconds to wait (a lock-out, attempts in flight, or the login rate). */
    private static void tooMany(HttpServletResponse res, long seconds) {
        res.setStatus(429);
        res.setHeader("Retry-After", Long.toString(seconds));
    }

    static String loginToken(HttpServletRequest req) {
        Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (Cookie c : cookies) {
                if (LoginToken.COOKIE.equals(c.getName())) {
                    return LoginToken.fromCookieValue(c.getValue());
                }
            }
        }
        return null;
    }

    private static void expireLoginCookie(HttpServletResponse res) {
        Cookie dead = new Cookie(LoginToken.COOKIE, "");
        dead.setPath("/");
        dead.setMaxAge(0);
        dead.setSecure(true);
        dead.setHttpOnly(true);
        res.addCookie(dead);
    }

    /** 401 with a challenge. (ctx.responseUnauthorized() sends no WWW-Authenticate header.) */
    private static AuthenticationStatus challenge(HttpServletResponse res) {
        res.setHeader("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
        res.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        return AuthenticationStatus.SEND_CONTINUE;
    }

    private static boolean validate(HttpMessageContext ctx, String user, String password)
            throws AuthenticationException {
        PasswordValidationCallback callback =
                new PasswordValidationCallback(ctx.getClientSubject(), user, password.toCharArray());
        try {
            ctx.getHandler().handle(new Callback[] {callback});
        } catch (Exception e) {
            throw new AuthenticationException(e);
        }
        return callback.getResult();
    }

    private static String[] decodeBasic(String base64) {
        try {
            String s = new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
            int colon = s.indexOf(':');
            return colon > 0 ? new String[] {s.substring(0, colon), s.substring(colon + 1)} : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
