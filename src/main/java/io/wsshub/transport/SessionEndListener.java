package io.wsshub.transport;

import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebListener;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;

/**
 * An HTTP session that ends while sockets still use it (the application is stopping, or it was invalidated):
 * flush those sockets and close them with 1001, before the container closes them with 1008.
 */
@WebListener
public class SessionEndListener implements HttpSessionListener {

    @Inject
    Connections connections;

    @Override
    public void sessionDestroyed(HttpSessionEvent event) {
        connections.sessionEnded(event.getSession());
    }
}
