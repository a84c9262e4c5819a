package io.wsshub.channel;

import io.wsshub.transport.Json;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code POST /api/users/{user}/disconnect} (role operator, web.xml): every socket of the user, on every node. */
@Path("users/{user}/disconnect")
@RequestScoped
public class UsersResource {

    @Inject
    ChannelService channels;

    /**
     * 200 {@code {"closed":N}}: N sockets closed on this node with 1008 "disconnected"; the other nodes close
     * theirs as they hear of it. 503 when they could not be told (this node's sockets are closed already).
     */
    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> disconnect(@PathParam("user") String user) {
        if (!ChannelName.USER_NAME.matcher(user).matches()) {
            return CompletableFuture.completedFuture(ChannelsResource.error(400, "invalid_user",
                    "a user name matches " + ChannelName.USER_NAME.pattern()));
        }
        return channels.disconnect(user).handle((n, failure) -> failure != null
                ? ChannelsResource.error(503, "unavailable", "this node's sockets of " + user
                        + " are closed; the other nodes could not be told: try again")
                : Response.ok(Json.encode(Map.of("closed", n))).build());
    }
}
