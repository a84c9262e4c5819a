package io.wsshub.ops;

import io.wsshub.transport.Json;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /api/admin/drain} starts draining this node, {@code GET} shows the state (role operator, web.xml).
 * From a preStop hook: {@code curl -fsS -u operator:… -X POST https://node:9443/api/admin/drain}.
 */
@Path("admin/drain")
@RequestScoped
public class DrainResource {

    @Inject
    Drain drain;

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Response start() {
        return Response.accepted(Json.encode(drain.drain())).build();
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response state() {
        return Response.ok(Json.encode(drain.state())).build();
    }
}
