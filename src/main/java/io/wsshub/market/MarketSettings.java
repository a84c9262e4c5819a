package io.wsshub.market;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The market.* server variables. */
@ApplicationScoped
public class MarketSettings {

    @Inject
    @ConfigProperty(name = "market.feed.enabled", defaultValue = "true")
    boolean feedEnabled;

    @Inject
    @ConfigProperty(name = "market.feed.symbols", defaultValue = "ACME,GLOBX,INITECH,UMBRL,HOOLI,STARK,WAYNE,WONKA,"
            + "TYRELL,CYBRD,OSCORP,SOYL,VANDL,PIEDP,MASSV,NAKAT,DUFF,GRINGO,MOMCO,BLUTH")
    String feedSymbols;

    @Inject
    @ConfigProperty(name = "market.feed.ticks.per.second", defaultValue = "10")
    int ticksPerSecond;

    @Inject
    @ConfigProperty(name = "market.max.symbols.per.connection", defaultValue = "200")
    int maxSymbolsPerConnection;

    /** Symbols the market holds at most (every node keeps each one's last quote; Redis keeps a hash each). */
    @Inject
    @ConfigProperty(name = "market.max.symbols", defaultValue = "1000")
    int maxSymbols;

    /** Quotes queued for a connection beyond which newer quotes replace older ones of the same symbol. */
    @Inject
    @ConfigProperty(name = "market.conflate.after", defaultValue = "1024")
    int conflateAfter;

    public boolean feedEnabled() {
        return feedEnabled;
    }

    public List<String> feedSymbols() {
        return Arrays.stream(feedSymbols.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public int ticksPerSecond() {
        return ticksPerSecond;
    }

    public int maxSymbolsPerConnection() {
        return maxSymbolsPerConnection;
    }

    public int maxSymbols() {
        return maxSymbols;
    }

    public int conflateAfter() {
        return conflateAfter;
    }
}
