package io.wsshub.market;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** Jakarta REST under /api (web.xml restricts /api/* to role publisher). */
@ApplicationPath("/api")
public class PublisherApi extends Application {
}
