package io.wsshub.engine;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/** The market's quotes: one seq per symbol across the cluster, and who runs the simulated feed. */
public interface QuoteStore {

    /** Receives every quote published anywhere, and at start the last quote of every known symbol. */
    void onQuote(Consumer<Quote> listener);

    /** Sets a symbol's price under the symbol's next seq and publishes the quote to every node. */
    CompletionStage<Quote> publishQuote(String symbol, String price, String ts);

    /** True on the one node that runs the simulated feed now (a lease, for redis). */
    boolean holdsFeedLease();

    /** A symbol's quote: {@code open} is its first price, {@code seq} increases by one per update. */
    record Quote(String symbol, String price, String open, long seq, String ts) {
    }
}
