package io.wsshub.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.RedisProcess;
import io.wsshub.it.RedisReplicaSet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 20 at the engine: a real primary, two replicas and three sentinels; two engines (two nodes) on the
 * sentinel URI. The replicas are frozen (SIGSTOP) behind more data than the sockets buffer, so the primary holds
 * writes no replica has; then the primary is killed (-9), the replicas thawed, and the sentinels promote one.
 */
class RedisFailoverTest {

    private static final String TS = "2026-12-06T00:00:00.000Z";

    private ExecutorService executor;
    private ScheduledExecutorService scheduler;
    private final List<RedisEngine> engines = new ArrayList<>();

    @BeforeEach
    void threads() {
        executor = Executors.newFixedThreadPool(4);
        scheduler = Executors.newScheduledThreadPool(2);
    }

    @AfterEach
    void stop() {
        engines.forEach(RedisEngine::close);
        executor.shutdownNow();
        scheduler.shutdownNow();
    }

    /**
     * What a node delivers of room "r": its pub/sub messages, and, as the channel core does when the engine reports
     * {@code resubscribed} (its pub/sub connection came back after a failover, and whatever was published while it
     * was down never arrived), what the room's history holds.
     */
    private static final class Deliveries {
        final Map<Long, String> byId = new ConcurrentHashMap<>();
        final List<Long> order = new CopyOnWriteArrayList<>();
        final List<String> conflicts = new CopyOnWriteArrayList<>();
        volatile Broker broker;

        void seen(Broker.StoredMessage m) {
            String before = byId.putIfAbsent(m.id(), m.text());
            if (before != null && !before.equals(m.text())) {
                conflicts.add("id " + m.id() + " named " + before + " and " + m.text());
            }
            order.add(m.id());
        }

        Broker.RoomListener listener() {
            return new Broker.RoomListener() {
                @Override
                public void message(String room, String epoch, Broker.StoredMessage m) {
                    seen(m);
                }

                @Override
                public void presence(String room, String epoch, long pv, String event, String user, int count,
                                     List<String> members) {
                }

                @Override
                public void resubscribed() {
                    broker.history("r", 0, 100).thenAccept(h -> h.messages().forEach(Deliveries.this::seen));
                }
            };
        }
    }

    private RedisEngine engine(String node, String uri, int ackReplicas, Deliveries deliveries) throws Exception {
        return engine(node, uri, ackReplicas, "", deliveries);
    }

    private RedisEngine engine(String node, String uri, int ackReplicas, String sentinelPassword,
                               Deliveries deliveries) throws Exception {
        RedisEngine e = new RedisEngine(node, uri, "", 1000, 1 << 20, 1000, 30_000, 100, 3600, Duration.ofSeconds(5),
                1000, executor, scheduler, new RedisEngine.Replication(ackReplicas, Duration.ofMillis(1000),
                sentinelPassword));
        engines.add(e);
        deliveries.broker = e.broker();
        e.broker().onRoom(deliveries.listener());
        e.start();
        retry("engine " + node + " to connect through the sentinels", () -> e.broker().position("probe"));
        e.broker().subscribe("r").toCompletableFuture().get(10, TimeUnit.SECONDS);
        return e;
    }

    /** Retries until it succeeds (unavailable meanwhile is what clients see and retry). */
    private static <T> T retry(String what, Supplier<CompletionStage<T>> call) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return call.get().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                assertInstanceOf(EngineUnavailable.class, e.getCause(), what);
                assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what + ": " + e.getCause());
                Thread.sleep(100);
            }
        }
    }

    private static void await(String what, java.util.function.BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!ok.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    /** kill -9 of the primary, the replicas thawed; returns the promoted one. */
    private static RedisProcess failOver(RedisReplicaSet set, RedisProcess old) throws Exception {
        set.killAndThaw(old);
        return set.awaitNewPrimary(old, Duration.ofSeconds(60));
    }

    /** carol (a game connection on a) and dave (on b) are matched; returns the match id. */
    private static String match(GameStore a, GameStore b) {
        a.online("carol", true).toCompletableFuture().join();
        b.online("dave", true).toCompletableFuture().join();
        long deadline = System.currentTimeMillis() + 60_000;
        assertEquals("queued", a.queue("carol", "q-carol", true, deadline).toCompletableFuture().join().outcome());
        String id = "m-" + UUID.randomUUID();
        GameStore.Queued q = b.queue("dave", id, false, deadline).toCompletableFuture().join();
        assertEquals("matched", q.outcome());
        return id;
    }

    /** The record after one more move (the rules are the game's: only a different board and the next ver here). */
    private static GameStore.MatchRecord next(GameStore.MatchRecord m) {
        int at = (int) m.ver();
        String board = m.board().substring(0, at) + (at % 2 == 1 ? "R" : "Y") + m.board().substring(at + 1);
        return new GameStore.MatchRecord(m.id(), m.red(), m.yellow(), board, m.ver() + 1, m.rev() + 1,
                at % 2 == 1 ? "Y" : "R", m.deadline(), "playing", new GameStore.LastMove("R", at, 0), null, null, null,
                null, m.graceR(), m.graceY(), null);
    }

    /** One confirmed move on {@code m}; returns the record as stored. */
    private static GameStore.MatchRecord moved(GameStore store, GameStore.MatchRecord m) {
        GameStore.MatchRecord n = next(m);
        assertTrue(store.update(m, n, 0, new GameStore.GameEvent("state", n, null, null)).toCompletableFuture()
                .join());
        return store.get(m.id()).toCompletableFuture().join();
    }

    /**
     * Writes {@code next} on {@code basis} until it is acknowledged. A try answered unavailable may still have
     * stored it (held): the compare-and-set then fails and, as the game service does, the newest record is read
     * (which confirms it) and must be that move.
     */
    private static GameStore.MatchRecord retryMove(GameStore store, GameStore.MatchRecord basis,
                                                   GameStore.MatchRecord next) throws Exception {
        boolean written = retry("the retried move", () -> store.update(basis, next, 0,
                new GameStore.GameEvent("state", next, null, null)));
        GameStore.MatchRecord now = retry("the match", () -> store.current(basis.id()));
        if (!written) {
            assertEquals(next.board(), now.board(), "only this move was made since: " + now);
        }
        return now;
    }

    private static List<Long> versions(List<GameStore.GameEvent> events, String matchId) {
        return events.stream().filter(e -> e.match().id().equals(matchId)).map(e -> e.match().ver()).toList();
    }

    private static String address(RedisProcess p) {
        return "127.0.0.1:" + p.port();
    }

    @Test
    void withAckReplicasNothingUnconfirmedIsAnsweredOrSeenAndEverythingAnsweredSurvives() throws Exception {
        // sentinels with a password of their own (redis.sentinel.password), as production ones should have
        try (RedisReplicaSet set = RedisReplicaSet.start(Path.of("target", "failover-test", "acked"), 2,
                "sentinel-secret")) {
            Deliveries seenByA = new Deliveries();
            Deliveries seenByB = new Deliveries();
            RedisEngine a = engine("a", set.uri(), 1, "sentinel-secret", seenByA);
            RedisEngine b = engine("b", set.uri(), 1, "sentinel-secret", seenByB);
            RedisProcess first = set.primary();
            assertEquals(address(first), a.primary(), "the node found the primary through the sentinels");
            double failoversBefore = io.wsshub.ops.Metrics.counter(io.wsshub.ops.Metrics.ENGINE_FAILOVERS).count();

            List<Broker.Published> acked = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                acked.add(a.broker().publish("r", "alice", "before " + i, TS, "c" + i).toCompletableFuture().join());
            }
            String epoch = acked.get(0).epoch();
            QuoteStore.Quote q1 = a.quotes().publishQuote("ACME", "1.00", TS, 0).toCompletableFuture().join();
            await("b to see the three", () -> seenByB.byId.size() == 3);
            // a match between a player on a and one on b, with one move confirmed
            List<GameStore.GameEvent> gamesAtB = new CopyOnWriteArrayList<>();
            b.games().onEvent(gamesAtB::add);
            String matchId = match(a.games(), b.games());
            GameStore.MatchRecord m2 = moved(a.games(), a.games().get(matchId).toCompletableFuture().join());
            await("b to hear of the move", () -> versions(gamesAtB, matchId).contains(2L));
            a.games().online("erin", true).toCompletableFuture().join();
            assertEquals("queued", a.games().queue("erin", "q-erin", true, System.currentTimeMillis() + 60_000)
                    .toCompletableFuture().join().outcome());

            RedisProcess old = set.freezeReplicas();
            ExecutionException held = assertThrows(ExecutionException.class, () -> a.broker()
                    .publish("r", "alice", "held", TS, "c4").toCompletableFuture().get(20, TimeUnit.SECONDS));
            assertInstanceOf(EngineUnavailable.class, held.getCause(), "not acknowledged: no replica could have it");
            ExecutionException quote = assertThrows(ExecutionException.class, () -> a.quotes()
                    .publishQuote("ACME", "2.00", TS, q1.seq()).toCompletableFuture().get(20, TimeUnit.SECONDS));
            assertInstanceOf(EngineUnavailable.class, quote.getCause());
            ExecutionException logout = assertThrows(ExecutionException.class, () -> b.logins()
                    .logout("token-hash", 60).toCompletableFuture().get(20, TimeUnit.SECONDS));
            assertInstanceOf(EngineUnavailable.class, logout.getCause());
            // nobody saw it either: no delivery, no history, no position above 3, on either node
            Broker.History h = b.broker().history("r", 0, 100).toCompletableFuture().join();
            assertEquals(3, h.top());
            assertEquals(3, h.messages().size());
            assertEquals(3, a.broker().position("r").toCompletableFuture().join().top());
            assertEquals(3, seenByA.byId.size(), "no delivery of the held message");
            assertEquals(3, seenByB.byId.size(), "no delivery of the held message");
            GameStore.MatchRecord m3 = next(m2);
            ExecutionException move = assertThrows(ExecutionException.class, () -> a.games()
                    .update(m2, m3, 0, new GameStore.GameEvent("state", m3, null, null)).toCompletableFuture()
                    .get(20, TimeUnit.SECONDS));
            assertInstanceOf(EngineUnavailable.class, move.getCause(), "the move is not acknowledged");
            // a read that shows the match (a resync, a spectator, the lobby) shows the last confirmed move
            assertEquals(2, b.games().get(matchId).toCompletableFuture().join().ver(), "the held move is not shown");
            assertEquals(List.of(2L), b.games().live().toCompletableFuture().join().stream()
                    .filter(r -> r.match().id().equals(matchId)).map(r -> r.match().ver()).toList());
            ExecutionException decide = assertThrows(ExecutionException.class,
                    () -> b.games().current(matchId).toCompletableFuture().get(20, TimeUnit.SECONDS));
            assertInstanceOf(EngineUnavailable.class, decide.getCause(), "nothing is decided on the held move");
            // matchmaking: erin waits; frank's queue makes a match that no replica has
            b.games().online("frank", true).toCompletableFuture().join();
            String heldMatch = "m-" + UUID.randomUUID();
            ExecutionException made = assertThrows(ExecutionException.class, () -> b.games()
                    .queue("frank", heldMatch, false, System.currentTimeMillis() + 60_000).toCompletableFuture()
                    .get(20, TimeUnit.SECONDS));
            assertInstanceOf(EngineUnavailable.class, made.getCause(), "the match is not acknowledged");
            assertNull(a.games().get(heldMatch).toCompletableFuture().join(), "nor shown");
            assertNull(a.games().unfinished("erin").toCompletableFuture().join(), "not even to its players");
            assertTrue(a.games().live().toCompletableFuture().join().stream()
                    .noneMatch(r -> r.match().id().equals(heldMatch)), "nor in the lobby");

            long killed = System.nanoTime();
            RedisProcess promoted = failOver(set, old);
            Broker.Published retried = retry("the retry of the held message", () -> a.broker()
                    .publish("r", "alice", "held", TS, "c4"));
            long windowMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            System.out.println("failover window (kill -9 to the first acknowledged message, ack.replicas=1): "
                    + windowMillis + " ms");
            assertEquals(epoch, retried.epoch(), "losing what was never acknowledged changes no epoch");
            assertEquals(4, retried.message().id());
            Broker.Published after = retry("a message through the other node", () -> b.broker()
                    .publish("r", "bob", "after", TS, "c5"));
            assertEquals(5, after.message().id());

            // every acknowledged message is there under the id its sender was given, on both nodes, once
            for (RedisEngine e : List.of(a, b)) {
                Broker.History all = retry("history", () -> e.broker().history("r", 0, 100));
                assertEquals(epoch, all.epoch());
                assertEquals(List.of("before 1", "before 2", "before 3", "held", "after"),
                        all.messages().stream().map(Broker.StoredMessage::text).toList());
                assertEquals(List.of(1L, 2L, 3L, 4L, 5L), all.messages().stream().map(Broker.StoredMessage::id).toList());
            }
            await("both nodes to receive 4 and 5", () -> seenByA.byId.size() == 5 && seenByB.byId.size() == 5);
            assertEquals(List.of(), seenByA.conflicts);
            assertEquals(List.of(), seenByB.conflicts);
            assertEquals("held", seenByB.byId.get(4L));

            // the player's retry of the move goes on from the last confirmed one, as a node retrying does
            GameStore.MatchRecord stored = retryMove(a.games(), m2, m3);
            assertEquals(3, stored.ver());
            assertEquals(m3.board(), stored.board());
            await("b to hear of the retried move", () -> versions(gamesAtB, matchId).contains(3L));
            assertEquals(List.of(1L, 2L, 3L), versions(gamesAtB, matchId), "each version once: the lost move was never sent");
            retry("erin's game connection", () -> a.games().online("erin", true));
            retry("frank's game connection", () -> b.games().online("frank", true));
            GameStore.Queued again = retry("frank's retried queue", () -> b.games()
                    .queue("frank", "m-" + UUID.randomUUID(), false, System.currentTimeMillis() + 60_000));
            // matched now, or (a try answered unavailable that was stored after all) playing in that match
            assertTrue(List.of("matched", "already_playing").contains(again.outcome()), again.toString());
            assertNotEquals(heldMatch, again.matchId(), "the match no replica had is gone");
            GameStore.MatchRecord made2 = a.games().unfinished("erin").toCompletableFuture().join();
            assertEquals(again.matchId(), made2.id(), "erin plays the match frank was told of");
            assertEquals("frank", made2.yellow());
            await("b to hear of the new match", () -> gamesAtB.stream()
                    .anyMatch(e -> "new".equals(e.kind()) && e.match().id().equals(again.matchId())));
            assertTrue(gamesAtB.stream().noneMatch(e -> e.match().id().equals(heldMatch)), "the held match never went out");

            // a move whose confirmation timed out while it did reach a replica: shown only once a read that decides
            // confirms it (the replica is stopped long enough for WAIT to give up, not long enough to lose it)
            RedisProcess replica = set.servers().stream().filter(p -> p != promoted && p.alive()).findFirst()
                    .orElseThrow();
            set.awaitInSync(promoted, 1, Duration.ofSeconds(60));
            GameStore.MatchRecord m4 = next(stored);
            replica.signal("STOP");
            ExecutionException late = assertThrows(ExecutionException.class, () -> a.games()
                    .update(stored, m4, 0, new GameStore.GameEvent("state", m4, null, null)).toCompletableFuture()
                    .get(20, TimeUnit.SECONDS));
            replica.signal("CONT");
            assertInstanceOf(EngineUnavailable.class, late.getCause());
            assertEquals(3, b.games().get(matchId).toCompletableFuture().join().ver(), "not shown before confirmed");
            assertEquals(List.of(1L, 2L, 3L), versions(gamesAtB, matchId));
            GameStore.MatchRecord decided = retry("a read that decides", () -> b.games().current(matchId));
            assertEquals(4, decided.ver(), "confirmed and shown");
            assertEquals(4, b.games().get(matchId).toCompletableFuture().join().ver());
            await("its event", () -> versions(gamesAtB, matchId).contains(4L));
            assertEquals(List.of(1L, 2L, 3L, 4L), versions(gamesAtB, matchId));

            QuoteStore.Quote q2 = retry("a quote", () -> a.quotes().publishQuote("ACME", "3.00", TS, q1.seq()));
            assertTrue(q2.seq() > q1.seq(), "seq goes on above every quote acknowledged");
            retry("a logout", () -> b.logins().logout("token-hash", 60));

            assertEquals(address(promoted), a.primary());
            assertEquals(address(promoted), b.primary());
            double failovers = io.wsshub.ops.Metrics.counter(io.wsshub.ops.Metrics.ENGINE_FAILOVERS).count();
            assertEquals(failoversBefore + 2, failovers, "each node counted the failover it went through");
        }
    }

    @Test
    void withoutAckReplicasAFailoverThatLostAcknowledgedWritesGivesANewEpochNeverAReusedId() throws Exception {
        try (RedisReplicaSet set = RedisReplicaSet.start(Path.of("target", "failover-test", "fast"), 2)) {
            Deliveries seenByA = new Deliveries();
            Deliveries seenByB = new Deliveries();
            RedisEngine a = engine("a", set.uri(), 0, seenByA);
            RedisEngine b = engine("b", set.uri(), 0, seenByB);
            String epoch = null;
            for (int i = 1; i <= 3; i++) {
                epoch = a.broker().publish("r", "alice", "before " + i, TS, "c" + i).toCompletableFuture().join()
                        .epoch();
            }
            set.awaitInSync(set.primary(), 2, Duration.ofSeconds(30));

            RedisProcess old = set.freezeReplicas();
            for (int i = 4; i <= 5; i++) { // acknowledged by the primary alone
                assertEquals(i, a.broker().publish("r", "alice", "lost " + i, TS, "c" + i).toCompletableFuture()
                        .join().message().id());
            }
            await("b to see 1 to 5", () -> seenByB.byId.size() == 5);
            Broker.Position seen = new Broker.Position(epoch, 5); // what node b delivered

            failOver(set, old);
            // the node's position check finds the store behind what it delivered, in the same epoch
            Broker.Position now = retry("the position", () -> b.broker().position("r"));
            assertEquals(epoch, now.epoch());
            assertEquals(3, now.top(), "the promoted replica lacks 4 and 5");
            // a publish from a node that saw 5 heals first: a new epoch, and an id no member saw
            Broker.Published next = retry("a publish", () -> b.broker()
                    .publish("r", "bob", "next", TS, "c6", seen, null));
            assertNotEquals(epoch, next.epoch(), "clients are told (recovered:false), not silently skipped");
            assertEquals(6, next.message().id(), "ids go on above what was delivered: 4 and 5 name nothing else");
            await("b to receive 6", () -> seenByB.byId.containsKey(6L));
            assertEquals(List.of(), seenByB.conflicts);
            assertNull(b.broker().range("r", 3, 5).toCompletableFuture().join().stream().findAny().orElse(null),
                    "4 and 5 are gone, not given to other messages");
        }
    }
}
