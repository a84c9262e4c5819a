package io.wsshub.market;

import jakarta.json.bind.annotation.JsonbPropertyOrder;
import jakarta.json.bind.annotation.JsonbSubtype;
import jakarta.json.bind.annotation.JsonbTypeInfo;
import java.util.List;

/** What the server sends on /ws/market. Prices and changes are decimal strings, never binary floating point. */
@JsonbTypeInfo(key = "type", value = {
        @JsonbSubtype(alias = "snapshot", type = MarketFrame.Snapshot.class),
        @JsonbSubtype(alias = "quote", type = MarketFrame.Quote.class),
        @JsonbSubtype(alias = "error", type = MarketFrame.SymbolsError.class)
})
public sealed interface MarketFrame permits MarketFrame.Snapshot, MarketFrame.Quote, MarketFrame.SymbolsError {

    /** The current quote of each newly subscribed known symbol. */
    record Snapshot(List<QuoteView> quotes) implements MarketFrame {
    }

    /**
     * One update of a symbol; {@code seq} increases by one per update of that symbol. On /ws it names its
     * {@code channel} (market:SYMBOL); on /ws/market that field is absent.
     */
    @JsonbPropertyOrder({"channel", "symbol", "price", "change", "seq", "ts"})
    record Quote(String channel, String symbol, String price, String change, long seq, String ts)
            implements MarketFrame {
        static Quote of(QuoteView v, boolean withChannel) {
            return new Quote(withChannel ? "market:" + v.symbol() : null, v.symbol(), v.price(), v.change(), v.seq(),
                    v.ts());
        }
    }

    /** An error about particular symbols: {@code unknown_symbol}, {@code invalid_symbol}, {@code too_many_symbols}. */
    @JsonbPropertyOrder({"code", "message", "symbols"})
    record SymbolsError(String code, String message, List<String> symbols) implements MarketFrame {
    }

    /** A quote as it appears inside a snapshot. */
    @JsonbPropertyOrder({"symbol", "price", "change", "seq", "ts"})
    record QuoteView(String symbol, String price, String change, long seq, String ts) {
    }
}
