package io.openhqm.plugin.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.Reply;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.Status;
import io.openhqm.testing.RedisServer;
import io.openhqm.toolkit.testing.MapPluginConfig;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The result store against a real redis-server. */
class RedisResultStoreIT {
    private static RedisServer redis;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void flush() {
        redis.call("FLUSHALL");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    /** A store in a process of its own, with a connection of its own. */
    private ResultStore store(Duration ttl) {
        TestPluginContext process = new TestPluginContext("h");
        open.add(process);
        ResultStore store = new RedisResultStoreFactory().create(MapPluginConfig.of("queue.redis", "url", redis.url()),
                new ResultSettings(ttl), process);
        open.add(store);
        return store;
    }

    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    @Test
    void storesAndReadsRecordsWithTheirTtl() {
        ResultStore store = store(Duration.ofSeconds(120));
        RequestRecord pending = RequestRecord.pending("a1", T0, "owner-hash");
        store.put(pending).toCompletableFuture().join();
        assertEquals(Optional.of(pending), store.get("a1").toCompletableFuture().join());
        long pttl = redis.callLong("PTTL", "openhqm:result:a1");
        assertTrue(pttl > 110_000 && pttl <= 120_000, "ttl " + pttl);

        Reply binary = new Reply(new byte[] {1, 2, (byte) 0xfe}, "application/octet-stream", Map.of("x-k", "v"), 201);
        RequestRecord done = pending.processing(1, T0).finished(Status.COMPLETED, binary, null, 12, T0);
        store.put(done).toCompletableFuture().join();
        assertEquals(Optional.of(done), store.get("a1").toCompletableFuture().join());
        RequestRecord json = RequestRecord.pending("a2", T0, null).processing(2, T0).finished(Status.FAILED,
                Reply.json("{\"e\":1}".getBytes(StandardCharsets.UTF_8)), "bad", 3, T0);
        store.put(json).toCompletableFuture().join();
        assertEquals(Optional.of(json), store.get("a2").toCompletableFuture().join());
        assertEquals(Optional.empty(), store.get("nope").toCompletableFuture().join());
    }

    @Test
    void aWaiterIsWokenByTheTerminalPutOfAnotherProcess() throws Exception {
        ResultStore listener = store(Duration.ofMinutes(5));
        ResultStore worker = store(Duration.ofMinutes(5));
        RequestRecord pending = RequestRecord.pending("w1", T0, null);
        listener.put(pending).toCompletableFuture().join();
        CompletableFuture<Optional<RequestRecord>> waiting = listener.awaitTerminal("w1", Duration.ofSeconds(20))
                .toCompletableFuture();
        Thread.sleep(300);
        assertFalse(waiting.isDone());
        worker.put(pending.processing(1, T0)).toCompletableFuture().join();
        Thread.sleep(100);
        assertFalse(waiting.isDone(), "PROCESSING is not terminal");
        long put = System.nanoTime();
        RequestRecord done = pending.processing(1, T0).finished(Status.COMPLETED, Reply.json(new byte[] {'1'}), null,
                5, T0);
        worker.put(done).toCompletableFuture().join();
        assertEquals(Optional.of(done), waiting.get(2, TimeUnit.SECONDS));
        long wokenMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - put);
        assertTrue(wokenMs < 500, "woken " + wokenMs + " ms after the put");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!((List<?>) redis.call("PUBSUB", "CHANNELS", "openhqm:done:*")).isEmpty()
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0L, ((List<?>) redis.call("PUBSUB", "CHANNELS", "openhqm:done:*")).size(),
                "unsubscribed once done");
    }

    @Test
    void aWaitStartedOnALettuceThreadDoesNotBlockIt() throws Exception {
        ResultStore store = store(Duration.ofMinutes(5));
        RequestRecord pending = RequestRecord.pending("n1", T0, null);
        // The first wait opens the notification connection; here it starts in the put's callback, on Lettuce's
        // event loop, where a blocking connect would deadlock.
        CompletableFuture<Optional<RequestRecord>> waiting = store.put(pending)
                .thenCompose(ignored -> store.awaitTerminal("n1", Duration.ofSeconds(20))).toCompletableFuture();
        Thread.sleep(200);
        RequestRecord done = pending.finished(Status.TIMEOUT, null, "slow", 1, T0);
        store.put(done).toCompletableFuture().get(2, TimeUnit.SECONDS);
        assertEquals(Optional.of(done), waiting.get(3, TimeUnit.SECONDS));
    }

    @Test
    void manyWaitersOnManyIdsAreAllWoken() throws Exception {
        ResultStore listener = store(Duration.ofMinutes(5));
        ResultStore worker = store(Duration.ofMinutes(5));
        List<CompletableFuture<Optional<RequestRecord>>> waits = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            listener.put(RequestRecord.pending("id" + i, T0, null)).toCompletableFuture().join();
            waits.add(listener.awaitTerminal("id" + i, Duration.ofSeconds(20)).toCompletableFuture());
            waits.add(listener.awaitTerminal("id" + i, Duration.ofSeconds(20)).toCompletableFuture());
        }
        for (int i = 0; i < 200; i++) {
            worker.put(RequestRecord.pending("id" + i, T0, null).finished(Status.FAILED, null, "x", 1, T0));
        }
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        for (CompletableFuture<Optional<RequestRecord>> w : waits) {
            assertEquals(Status.FAILED, w.join().orElseThrow().status());
        }
    }

    @Test
    void aWaiterWhoseTimeIsUpGetsTheRecordAsItIs() throws Exception {
        ResultStore store = store(Duration.ofMinutes(5));
        RequestRecord pending = RequestRecord.pending("t1", T0, null);
        store.put(pending).toCompletableFuture().join();
        long start = System.nanoTime();
        Optional<RequestRecord> got = store.awaitTerminal("t1", Duration.ofMillis(400)).toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(Optional.of(pending), got);
        assertTrue(tookMs >= 390 && tookMs < 1500, "took " + tookMs);
        CompletableFuture<Optional<RequestRecord>> unknown = store.awaitTerminal("external-1", Duration.ofSeconds(10))
                .toCompletableFuture();
        Thread.sleep(200);
        assertFalse(unknown.isDone(), "an unknown id is waited for (an external message has no record yet)");
        RequestRecord done = RequestRecord.pending("external-1", T0, null).finished(Status.COMPLETED,
                Reply.json(new byte[] {'2'}), null, 1, T0);
        store.put(done).toCompletableFuture().join();
        assertEquals(Optional.of(done), unknown.get(2, TimeUnit.SECONDS));
        assertEquals(Optional.empty(), store.awaitTerminal("never", Duration.ofMillis(200)).toCompletableFuture()
                .get(2, TimeUnit.SECONDS));
    }

    @Test
    void anIdempotencyKeyIsHeldByTheFirstClaim() {
        ResultStore a = store(Duration.ofMinutes(5));
        ResultStore b = store(Duration.ofMinutes(5));
        IdempotencyClaim first = new IdempotencyClaim("k1", "fp1", "id-1");
        assertSame(first, a.claimIdempotencyKey(first).toCompletableFuture().join());
        assertEquals(first, b.claimIdempotencyKey(new IdempotencyClaim("k1", "fp2", "id-2")).toCompletableFuture()
                .join());
        assertTrue(redis.callLong("PTTL", "openhqm:idem:k1") > 250_000);
    }

    @Test
    void aTerminalRecordIsFinalAndKeepsItsTtl() {
        ResultStore store = store(Duration.ofSeconds(120));
        ResultStore late = store(Duration.ofMinutes(10));
        RequestRecord pending = RequestRecord.pending("f1", T0, "owner", Map.of("tenant", "\"t1\""));
        store.put(pending).toCompletableFuture().join();
        assertEquals(Optional.of(pending), store.get("f1").toCompletableFuture().join(), "attributes are kept");
        RequestRecord done = pending.processing(1, T0).finished(Status.COMPLETED, Reply.json(new byte[] {'1'}),
                null, 4, T0);
        store.put(done).toCompletableFuture().join();
        // A worker that lost its lease, or a racing redelivery, stores its view later: nothing changes.
        late.put(pending.processing(2, T0)).toCompletableFuture().join();
        late.put(pending).toCompletableFuture().join();
        late.put(pending.processing(2, T0).finished(Status.FAILED, null, "late", 1, T0)).toCompletableFuture().join();
        assertEquals(Optional.of(done), late.get("f1").toCompletableFuture().join());
        long pttl = redis.callLong("PTTL", "openhqm:result:f1");
        assertTrue(pttl <= 120_000, "a refused put does not restart the TTL: " + pttl);
    }

    @Test
    void putsAndReadsMadeTogetherGoOutTogetherAndEachGetsItsOwnAnswer() throws Exception {
        RedisResultStore store = (RedisResultStore) store(Duration.ofMinutes(5));
        RequestRecord finished = RequestRecord.pending("b2", T0, null).processing(1, T0)
                .finished(Status.COMPLETED, Reply.json(new byte[] {'2'}), null, 1, T0);
        store.put(finished).toCompletableFuture().join();

        List<RequestRecord> batch = List.of(RequestRecord.pending("b1", T0, null).processing(1, T0),
                RequestRecord.pending("b2", T0, null).processing(2, T0),
                RequestRecord.pending("b3", T0, null).processing(1, T0).finished(Status.FAILED, null, "x", 1, T0));
        List<RedisResultStore.Put> puts = batch.stream().map(r -> new RedisResultStore.Put("openhqm:result:"
                + r.correlationId(), RecordFormat.encode(r), r.status().isTerminal() ? "openhqm:done:"
                + r.correlationId() : "")).toList();
        assertEquals(List.of(true, false, true), store.write(puts).get(5, TimeUnit.SECONDS),
                "one script, one answer per record: b2 is final");
        assertEquals(Optional.of(finished), store.get("b2").toCompletableFuture().join());

        List<CompletableFuture<Optional<RequestRecord>>> reads = new ArrayList<>();
        for (String id : List.of("b1", "nope", "b2", "b3", "b1")) {
            reads.add(store.get(id).toCompletableFuture());
        }
        assertEquals(List.of(Optional.of(batch.get(0)), Optional.empty(), Optional.of(finished),
                Optional.of(batch.get(2)), Optional.of(batch.get(0))),
                reads.stream().map(CompletableFuture::join).toList());
    }

    @Test
    void aRefusedPutNotifiesNobody() {
        ResultStore store = store(Duration.ofMinutes(5));
        RequestRecord pending = RequestRecord.pending("f2", T0, null);
        redis.call("CONFIG", "RESETSTAT");
        store.put(pending.finished(Status.COMPLETED, Reply.json(new byte[] {'1'}), null, 1, T0)).toCompletableFuture()
                .join();
        store.put(pending.finished(Status.TIMEOUT, null, "late", 1, T0)).toCompletableFuture().join();
        String stats = String.valueOf(redis.call("INFO", "commandstats"));
        assertTrue(stats.contains("cmdstat_publish:calls=1,"), "one notification, of the stored outcome: " + stats);
    }

    @Test
    void anIdempotencyKeyIsReleasedOnlyByTheClaimThatHoldsIt() {
        ResultStore store = store(Duration.ofMinutes(5));
        IdempotencyClaim held = new IdempotencyClaim("k2", "fp1", "id-1");
        store.claimIdempotencyKey(held).toCompletableFuture().join();
        store.releaseIdempotencyKey(new IdempotencyClaim("k2", "fp2", "id-1")).toCompletableFuture().join();
        store.releaseIdempotencyKey(new IdempotencyClaim("k2", "fp1", "id-2")).toCompletableFuture().join();
        assertEquals(held, store.claimIdempotencyKey(new IdempotencyClaim("k2", "fp3", "id-3")).toCompletableFuture()
                .join(), "another claim's release leaves the key bound");
        store.releaseIdempotencyKey(held).toCompletableFuture().join();
        IdempotencyClaim next = new IdempotencyClaim("k2", "fp3", "id-3");
        assertSame(next, store.claimIdempotencyKey(next).toCompletableFuture().join());
        store.releaseIdempotencyKey(new IdempotencyClaim("never-claimed", "x", "y")).toCompletableFuture().join();
    }

    @Test
    void onlyAnUntouchedPendingRecordIsDiscarded() {
        ResultStore store = store(Duration.ofMinutes(5));
        RequestRecord fresh = RequestRecord.pending("d1", T0, null);
        RequestRecord taken = RequestRecord.pending("d2", T0, null).processing(1, T0);
        RequestRecord retrying = RequestRecord.pending("d3", T0, null).processing(1, T0).waitingForRetry("503", T0);
        RequestRecord done = RequestRecord.pending("d4", T0, null).finished(Status.FAILED, null, "x", 1, T0);
        for (RequestRecord r : List.of(fresh, taken, retrying, done)) {
            store.put(r).toCompletableFuture().join();
        }
        for (String id : List.of("d1", "d2", "d3", "d4", "unknown")) {
            store.discardPending(id).toCompletableFuture().join();
        }
        assertEquals(Optional.empty(), store.get("d1").toCompletableFuture().join());
        assertEquals(Optional.of(taken), store.get("d2").toCompletableFuture().join());
        assertEquals(Optional.of(retrying), store.get("d3").toCompletableFuture().join());
        assertEquals(Optional.of(done), store.get("d4").toCompletableFuture().join());
    }

    @Test
    void putsWorkAfterRedisForgotItsScripts() {
        ResultStore store = store(Duration.ofMinutes(5));
        redis.call("SCRIPT", "FLUSH");
        RequestRecord pending = RequestRecord.pending("s1", T0, null);
        store.put(pending).toCompletableFuture().join();
        assertEquals(Optional.of(pending), store.get("s1").toCompletableFuture().join());
    }

    @Test
    void healthSaysWhetherRedisAnswers() {
        assertTrue(store(Duration.ofMinutes(5)).health().healthy());
    }
}
