package io.wsshub.channel;

import io.wsshub.chat.ChatService;
import io.wsshub.chat.ServerFrame;
import io.wsshub.engine.Engine;
import io.wsshub.engine.Broker.StoredMessage;
import io.wsshub.transport.Json;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.JsonbException;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The server API of the chat-like channels (role publisher, web.xml): a team's backend posts into a room, a DM or
 * a user's personal channel, and reads presence and history (docs/protocol.md, "Server API").
 */
@Path("channels/{channel}")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class ChannelsResource {

    static final int MAX_BODY_BYTES = 64 * 1024;
    static final int MAX_PRESENCE = 1000;
    static final int MAX_HISTORY = 1000;

    @Inject
    ChatService chat;
    @Inject
    ChannelSettings settings;
    @Inject
    Engine engine;
    @Context
    SecurityContext security;

    /** The body of a post. */
    public record MessageIn(String text, String clientId) {
    }

    /** A stored message's place: the answer to a post (201, or 200 for a clientId already used). */
    @JsonbPropertyOrder({"channel", "id", "epoch", "from", "text", "ts", "clientId"})
    public record Stored(String channel, long id, String epoch, String from, String text, String ts,
                         String clientId) {
    }

    @JsonbPropertyOrder({"channel", "count", "members"})
    public record Presence(String channel, int count, List<String> members) {
    }

    @JsonbPropertyOrder({"channel", "epoch", "lastId", "messages"})
    public record History(String channel, String epoch, long lastId, List<ServerFrame.Message> messages) {
    }

    @JsonbPropertyOrder({"error", "message"})
    public record ApiError(String error, String message) {
    }

    /**
     * Stores a message from the API principal; the same clientId again answers 200 with the original (a safe
     * retry). 400 invalid_channel (market: channels take quotes at /api/quotes), bad_json, invalid_text,
     * invalid_client_id; 503 unavailable (nothing stored: retry with the same clientId).
     */
    @POST
    @Path("messages")
    @Consumes(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> publish(@PathParam("channel") String channel, InputStream body)
            throws IOException {
        ChannelName c;
        try {
            c = chatLike(channel);
        } catch (ChannelName.Invalid e) {
            return done(error(400, ChannelClient.INVALID_CHANNEL, e.getMessage()));
        }
        byte[] bytes = body.readNBytes(MAX_BODY_BYTES + 1);
        if (bytes.length > MAX_BODY_BYTES) {
            return done(error(413, "too_large", "the body is larger than " + MAX_BODY_BYTES + " bytes"));
        }
        MessageIn in;
        try {
            in = Json.JSONB.fromJson(new String(bytes, StandardCharsets.UTF_8), MessageIn.class);
        } catch (JsonbException | jakarta.json.JsonException e) {
            in = null;
        }
        if (in == null) {
            return done(error(400, "bad_json", "expected {\"text\":\"...\",\"clientId\":\"...\"}"));
        }
        ChatService.Refusal refused = chat.check(in.text(), in.clientId());
        if (refused != null) {
            return done(error(400, refused.code(), refused.message()));
        }
        String from = security.getUserPrincipal().getName();
        return chat.store(c.room(), from, in.text().strip(), in.clientId()).handle((p, failure) -> {
            if (failure != null) {
                return error(503, ChatService.UNAVAILABLE, "the message store is unavailable: send it again later"
                        + " with the same clientId");
            }
            StoredMessage m = p.message();
            return Response.status(p.duplicate() ? 200 : 201).entity(Json.encode(new Stored(c.channel(), m.id(),
                    p.epoch(), m.from(), m.text(), m.ts(), m.clientId()))).build();
        });
    }

    /** Who is in the channel now, across the cluster: the count, and at most 1000 names. */
    @GET
    @Path("presence")
    public CompletionStage<Response> presence(@PathParam("channel") String channel) {
        ChannelName c;
        try {
            c = chatLike(channel);
        } catch (ChannelName.Invalid e) {
            return done(error(400, ChannelClient.INVALID_CHANNEL, e.getMessage()));
        }
        return engine.presence().members(c.room()).handle((members, failure) -> failure != null ? unavailable()
                : Response.ok(Json.encode(new Presence(c.channel(), members.size(),
                        members.subList(0, Math.min(MAX_PRESENCE, members.size()))))).build());
    }

    /** The first {@code limit} retained messages with an id above {@code since}, oldest first. */
    @GET
    @Path("history")
    public CompletionStage<Response> history(@PathParam("channel") String channel, @QueryParam("since") String since,
                                             @QueryParam("limit") String limit) {
        ChannelName c;
        try {
            c = chatLike(channel);
        } catch (ChannelName.Invalid e) {
            return done(error(400, ChannelClient.INVALID_CHANNEL, e.getMessage()));
        }
        long after = number(since, 0);
        long n = number(limit, 100);
        if (after < 0) {
            return done(error(400, "invalid_since", "since is a message id (0 or more)"));
        }
        if (n < 1 || n > MAX_HISTORY) {
            return done(error(400, "invalid_limit", "limit is 1 to " + MAX_HISTORY));
        }
        return engine.broker().history(c.room(), after, (int) n).handle((h, failure) -> {
            if (failure != null) {
                return unavailable();
            }
            List<ServerFrame.Message> out = new ArrayList<>(h.messages().size());
            for (StoredMessage m : h.messages()) {
                out.add(ChatService.frameOf(c.room(), c.channel(), m));
            }
            return Response.ok(Json.encode(new History(c.channel(), h.epoch(), h.top(), out))).build();
        });
    }

    /** A chat-like channel: market: channels take quotes at /api/quotes and are refused here. */
    private ChannelName chatLike(String channel) throws ChannelName.Invalid {
        ChannelName c = ChannelName.parse(channel, settings.roles());
        if (!c.chatLike()) {
            throw new ChannelName.Invalid("market: channels are fed by POST /api/quotes");
        }
        return c;
    }

    /** A query parameter as a number: absent is {@code absent}, not a number is -1 (refused by the caller). */
    private static long number(String value, long absent) {
        if (value == null || value.isEmpty()) {
            return absent;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static CompletionStage<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }

    private static Response unavailable() {
        return error(503, ChatService.UNAVAILABLE, "the message store is unavailable: try again later");
    }

    static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Json.encode(new ApiError(code, message))).build();
    }
}
