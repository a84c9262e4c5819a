package io.wsshub.engine;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The engine of a single server: every part lives in this JVM's heap and ends with the application. The rooms
 * ({@link MemoryRooms}) are bounded: at most {@code maxRooms}, idle ones evicted. Connections need no shared count
 * (the node's own cap is the cluster's), and every broadcast (quotes, logouts, disconnects) reaches this node only.
 */
public final class MemoryEngine implements Engine {

    private final String node;
    private final MemoryRooms rooms;
    private final MemoryGameStore games = new MemoryGameStore();
    private final Quotes quotes = new Quotes();
    private final Logins logins = new Logins();
    private final Connections connections = new Connections();

    /** With member lists of any length (tests). */
    public MemoryEngine(String node, int historySize, int maxRooms, long idleMillis, LongSupplier clock) {
        this(node, historySize, maxRooms, idleMillis, clock, Integer.MAX_VALUE);
    }

    /** @param presenceListMax presence.list.max: member lists longer than this are left out (the count is not) */
    public MemoryEngine(String node, int historySize, int maxRooms, long idleMillis, LongSupplier clock,
                        int presenceListMax) {
        this(node, historySize, maxRooms, idleMillis, clock, presenceListMax, HistoryBudget.NONE);
    }

    /** @param budget what the histories may take of the heap, per room and over all rooms */
    public MemoryEngine(String node, int historySize, int maxRooms, long idleMillis, LongSupplier clock,
                        int presenceListMax, HistoryBudget budget) {
        this.node = node;
        this.rooms = new MemoryRooms(historySize, maxRooms, idleMillis, clock, presenceListMax, budget);
    }

    /** The heap all chat histories take now (as MemoryRooms counts it). */
    public long historyBytes() {
        return rooms.historyBytes();
    }

    @Override
    public String kind() {
        return "memory";
    }

    @Override
    public String node() {
        return node;
    }

    @Override
    public boolean up() {
        return true;
    }

    @Override
    public Broker broker() {
        return rooms;
    }

    @Override
    public Presence presence() {
        return rooms;
    }

    @Override
    public ConnectionRegistry connections() {
        return connections;
    }

    @Override
    public QuoteStore quotes() {
        return quotes;
    }

    @Override
    public LoginStore logins() {
        return logins;
    }

    @Override
    public GameStore games() {
        return games;
    }

    /** Rooms held now (for tests and metrics). */
    public int rooms() {
        return rooms.rooms();
    }

    /** Evicts the rooms nobody is in and nobody wrote to within the idle time; returns how many. */
    public int evictIdle() {
        return rooms.evictIdle();
    }

    @Override
    public void close() {
    }

    /** Each symbol's newest quote; a publish reaches this node's listener only. */
    private static final class Quotes implements QuoteStore {
        private final ConcurrentHashMap<String, Quote> quotes = new ConcurrentHashMap<>();
        private volatile Consumer<Quote> listener;

        @Override
        public void onQuote(Consumer<Quote> l) {
            this.listener = l;
            quotes.values().forEach(l);
        }

        @Override
        public CompletionStage<Quote> publishQuote(String symbol, String price, String ts, long seen) {
            // this heap loses nothing it numbered; concurrent publishes may reach the listener out of seq order
            Quote q = quotes.compute(symbol, (s, old) -> new Quote(s, price, old == null ? price : old.open(),
                    old == null ? 1 : old.seq() + 1, ts, false));
            Consumer<Quote> l = listener;
            if (l != null) {
                l.accept(q);
            }
            return CompletableFuture.completedFuture(q);
        }

        @Override
        public boolean holdsFeedLease() {
            return true;
        }
    }

    private static final class Logins implements LoginStore {
        private volatile Consumer<String> listener;

        @Override
        public void onLogout(Consumer<String> l) {
            this.listener = l;
        }

        @Override
        public CompletionStage<Void> logout(String tokenHash, long keepSeconds) {
            return tell(listener, tokenHash);
        }
    }

    private static final class Connections implements ConnectionRegistry {
        private volatile Consumer<String> disconnects;

        @Override
        public CompletionStage<Boolean> admit(String user, String entry, int max) {
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public void release(String user, String entry) {
        }

        @Override
        public CompletionStage<Void> refresh(Map<String, String> entries) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onDisconnect(Consumer<String> l) {
            this.disconnects = l;
        }

        @Override
        public CompletionStage<Void> disconnect(String user) {
            return tell(disconnects, user);
        }
    }

    private static CompletionStage<Void> tell(Consumer<String> listener, String value) {
        if (listener != null) {
            listener.accept(value);
        }
        return CompletableFuture.completedFuture(null);
    }
}
