package io.wsshub.engine;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/** The market's quotes: one seq per symbol across the cluster, and who runs the simulated feed. */
public interface QuoteStore {

    /** Receives every quote published anywhere, and at start the last quote of every known symbol. */
    void onQuote(Consumer<Quote> listener);

    /**
     * Sets a symbol's price under the symbol's next seq and publishes the quote to every node.
     *
     * @param seen the symbol's newest seq this node has delivered (0: none). A store behind it lost quotes (Redis
     *             restarted from an older file, a failover to a replica that lagged): the seq goes on above it, so
     *             no node drops the new quote as an old one and no client sees the seq go back.
     */
    CompletionStage<Quote> publishQuote(String symbol, String price, String ts, long seen);

    /** True on the one node that runs the simulated feed now (a lease, for redis). */
    boolean holdsFeedLease();

    /**
     * A symbol's quote: {@code open} is its first price, {@code seq} increases by one per update.
     *
     * @param ordered the quote comes as stored, in seq order per symbol (the redis engine's pub/sub): one at or
     *                below the previous ordered one means the store lost quotes and numbers them again
     */
    record Quote(String symbol, String price, String open, long seq, String ts, boolean ordered) {
    }
}
