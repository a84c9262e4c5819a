package io.wsshub.transport;

import jakarta.inject.Inject;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

/** Closes every WebSocket with 1001 after flushing, as the application stops (before CDI tears down). */
@WebListener
public class ShutdownListener implements ServletContextListener {

    @Inject
    Connections connections;

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        connections.shutdown();
    }
}
