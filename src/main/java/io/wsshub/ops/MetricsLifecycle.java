package io.wsshub.ops;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

/** Releases what {@link Metrics} hooked into the JVM when the application stops (a redeploy or restart). */
@WebListener
public class MetricsLifecycle implements ServletContextListener {

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        Metrics.close();
    }
}
