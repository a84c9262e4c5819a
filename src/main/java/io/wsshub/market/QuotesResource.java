package io.wsshub.market;

import io.wsshub.transport.Json;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.JsonbException;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * {@code POST /api/quotes}: a real upstream feed publishes {@code [{"symbol":"ACME","price":"101.25"}, ...]}
 * (role publisher). All or nothing: one bad item rejects the request with 400 naming every bad item.
 */
@Path("quotes")
@RequestScoped
public class QuotesResource {

    static final int MAX_QUOTES = 1000;
    static final int MAX_BODY_BYTES = 256 * 1024;
    private static final Pattern PRICE = Pattern.compile("^[0-9]{1,12}(\\.[0-9]{1,6})?$");

    @Inject
    MarketService market;

    /** One quote of the request body. */
    public record QuoteIn(String symbol, String price) {
    }

    /** Why an item was refused. */
    @JsonbPropertyOrder({"index", "symbol", "price", "reason"})
    public record BadItem(int index, String symbol, String price, String reason) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> publish(InputStream body) throws IOException {
        Checked checked = check(body);
        if (checked.refusal() != null) {
            return CompletableFuture.completedFuture(checked.refusal());
        }
        List<String> over = market.overCap(checked.symbols());
        if (!over.isEmpty()) {
            List<BadItem> bad = new ArrayList<>();
            for (int i = 0; i < checked.symbols().size(); i++) {
                if (over.contains(checked.symbols().get(i))) {
                    bad.add(new BadItem(i, checked.symbols().get(i), checked.prices().get(i).toPlainString(),
                            "a new symbol: the market holds at most " + market.maxSymbols()));
                }
            }
            return CompletableFuture.completedFuture(error(400, "too_many_symbols", bad.size()
                    + " item(s) would add symbols past market.max.symbols; nothing was published", bad));
        }
        List<CompletableFuture<?>> stored = new ArrayList<>(checked.symbols().size());
        for (int i = 0; i < checked.symbols().size(); i++) { // in request order (one connection: Redis keeps it)
            stored.add(market.update(checked.symbols().get(i), checked.prices().get(i)).toCompletableFuture());
        }
        int n = stored.size();
        return CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new))
                .handle((v, failure) -> failure == null
                        ? Response.ok(Json.encode(Map.of("published", n))).build()
                        : failure.getCause() instanceof MarketService.TooManySymbols
                        ? error(400, "too_many_symbols", "another node added symbols meanwhile: the market holds at most "
                                + market.maxSymbols() + "; the quotes of known symbols were published", null)
                        : error(503, "unavailable", "the quote store is unavailable; some quotes of this request"
                                + " may have been published: send it again later", null));
    }

    /** A checked body: the refusal to answer, or the quotes to publish. */
    private record Checked(Response refusal, List<String> symbols, List<BigDecimal> prices) {
        static Checked refused(Response refusal) {
            return new Checked(refusal, List.of(), List.of());
        }
    }

    /** Reads and validates the body, all or nothing. */
    private static Checked check(InputStream body) throws IOException {
        byte[] bytes = body.readNBytes(MAX_BODY_BYTES + 1);
        if (bytes.length > MAX_BODY_BYTES) {
            return Checked.refused(error(413, "too_large", "the body is larger than " + MAX_BODY_BYTES + " bytes",
                    null));
        }
        QuoteIn[] items;
        try {
            items = Json.JSONB.fromJson(new String(bytes, StandardCharsets.UTF_8), QuoteIn[].class);
        } catch (JsonbException | jakarta.json.JsonException e) { // binding or syntax
            items = null;
        }
        if (items == null) {
            return Checked.refused(error(400, "bad_json", "expected a JSON array of {\"symbol\",\"price\"}", null));
        }
        if (items.length > MAX_QUOTES) {
            return Checked.refused(error(400, "too_many_quotes", "at most " + MAX_QUOTES + " quotes per request",
                    null));
        }
        List<BadItem> bad = new ArrayList<>();
        List<BigDecimal> prices = new ArrayList<>(items.length);
        for (int i = 0; i < items.length; i++) {
            QuoteIn q = items[i];
            String reason = null;
            BigDecimal price = null;
            if (q == null) {
                reason = "not an object";
            } else if (!MarketService.validSymbol(q.symbol())) {
                reason = "symbol must match " + MarketService.SYMBOL.pattern();
            } else if (q.price() == null || !PRICE.matcher(q.price()).matches()) {
                reason = "price must be a positive decimal string with at most 6 fraction digits";
            } else {
                price = new BigDecimal(q.price());
                if (price.signum() <= 0) {
                    reason = "price must be positive";
                }
            }
            if (reason != null) {
                bad.add(new BadItem(i, q == null ? null : q.symbol(), q == null ? null : q.price(), reason));
            }
            prices.add(price);
        }
        if (!bad.isEmpty()) {
            return Checked.refused(error(400, "invalid_quotes", bad.size() + " invalid item(s); nothing was published",
                    bad));
        }
        return new Checked(null, java.util.Arrays.stream(items).map(QuoteIn::symbol).toList(), prices);
    }

    /** The body of every refusal: {@code {"error":"invalid_quotes","message":"...","items":[...]}}. */
    @JsonbPropertyOrder({"error", "message", "items"})
    public record ErrorBody(String error, String message, List<BadItem> items) {
    }

    private static Response error(int status, String code, String message, List<BadItem> items) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Json.encode(new ErrorBody(code, message, items))).build();
    }
}
