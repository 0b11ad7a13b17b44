package io.openhqm.plugin.embedded;

import static io.openhqm.plugin.embedded.Fixtures.process;
import static io.openhqm.plugin.embedded.Fixtures.queue;
import static io.openhqm.plugin.embedded.Fixtures.store;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.HqmException;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.Reply;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class EmbeddedResultStoreTest {
    private static final Duration HOUR = Duration.ofHours(1);

    @TempDir
    Path home;

    @Test
    void putAndGetPreserveEveryField() throws Exception {
        byte[] body = new byte[256];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (255 - i);
        }
        RequestRecord completed = new RequestRecord("id-1", Status.COMPLETED,
                Instant.parse("2025-01-02T03:04:05.000000001Z"), Instant.parse("2025-01-02T03:04:06.5Z"), 3,
                "owner-hash", new Reply(body, "application/octet-stream",
                        Map.of("etag", "\"abc\"", "x-note", "naïve\nline"), 201),
                "first attempt timed out", 42L, Instant.parse("2025-01-02T03:04:06.5Z"),
                Map.of("source", "\"web-app\"", "nested", "{ \"a\": [1, 2.5] }", "ünïcode \uD800", "null"),
                Instant.parse("2025-01-02T03:04:05.250000001Z"));
        RequestRecord pending = RequestRecord.pending("id-2", Instant.parse("2025-01-02T03:04:05Z"), null,
                Map.of("ts", "1700000000"));
        RequestRecord emptyReply = new RequestRecord("id-3", Status.FAILED, Instant.EPOCH, Instant.EPOCH, 1, null,
                new Reply(new byte[0], "text/plain", Map.of(), null), null, null, Instant.EPOCH);

        try (TestPluginContext process = process(home, "a");
             EmbeddedResultStore store = store(process, HOUR)) {
            for (RequestRecord r : new RequestRecord[] {completed, pending, emptyReply}) {
                store.put(r).toCompletableFuture().get(5, TimeUnit.SECONDS);
                assertEquals(Optional.of(r), store.get(r.correlationId()).toCompletableFuture().get());
            }
            assertEquals(Optional.empty(), store.get("unknown").toCompletableFuture().get());

            RequestRecord processing = pending.processing(1, Instant.now());
            store.put(processing).toCompletableFuture().join();
            assertEquals(Optional.of(processing), store.get("id-2").toCompletableFuture().join());
        }
    }

    @Test
    void aTerminalRecordIsNotOverwrittenByALaterPut() throws Exception {
        try (TestPluginContext a = process(home, "a"); TestPluginContext b = process(home, "b");
             EmbeddedResultStore store = store(a, HOUR); EmbeddedResultStore otherProcess = store(b, HOUR)) {
            RequestRecord pending = RequestRecord.pending("id", Instant.now(), "owner", Map.of("n", "1"));
            RequestRecord processing = pending.processing(1, Instant.now());
            RequestRecord completed = processing.finished(Status.COMPLETED, Reply.json("{\"ok\":1}".getBytes()),
                    null, 5, Instant.now());
            store.put(pending).toCompletableFuture().join();
            store.put(processing).toCompletableFuture().join();
            store.put(completed).toCompletableFuture().join();

            List<RequestRecord> late = List.of(processing, pending, processing.waitingForRetry("lost lease",
                    Instant.now()), processing.finished(Status.FAILED, null, "timed out", 9, Instant.now()),
                    processing.finished(Status.COMPLETED, Reply.json("{\"ok\":2}".getBytes()), null, 7,
                            Instant.now()));
            for (RequestRecord r : late) {
                store.put(r).toCompletableFuture().get(5, TimeUnit.SECONDS);
                otherProcess.put(r).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            assertEquals(Optional.of(completed), store.get("id").toCompletableFuture().join());
            assertEquals(Optional.of(completed), otherProcess.get("id").toCompletableFuture().join());
            assertEquals(Optional.of(completed), store.awaitTerminal("id", Duration.ZERO).toCompletableFuture()
                    .join());
        }
    }

    @Test
    void anExpiredTerminalRecordCanBeReplaced() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedResultStore store = store(process, Duration.ofMillis(300), "cleanup_interval", "1h")) {
            RequestRecord first = RequestRecord.pending("id", Instant.now(), null)
                    .finished(Status.FAILED, null, "refused", 1, Instant.now());
            store.put(first).toCompletableFuture().join();
            Thread.sleep(400);
            assertEquals(1, rows(home, "results"), "the expired row must still be there for this test");
            RequestRecord reused = RequestRecord.pending("id", Instant.now(), null);
            store.put(reused).toCompletableFuture().join();
            assertEquals(Optional.of(reused), store.get("id").toCompletableFuture().join());
        }
    }

    @Test
    void aPutIssuedBeforeAPublishIsStoredBeforeTheMessageCanBeLeased() throws Exception {
        int total = 200;
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); EmbeddedResultStore store = store(process, HOUR);
             var consumer = queue.consumer("c")) {
            assertTrue(store.ordersPutsBeforePublishes());
            Thread publisher = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < total; i++) {
                    store.put(RequestRecord.pending("m-" + i, Instant.now(), null));
                    queue.publish(Fixtures.message("m-" + i));
                }
            });
            int seen = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (seen < total && System.nanoTime() < deadline) {
                for (var delivery : consumer.poll(50, Duration.ofMillis(200))) {
                    String id = delivery.message().correlationId();
                    assertTrue(store.get(id).toCompletableFuture().join().isPresent(), id + " leased before its put");
                    delivery.ack();
                    seen++;
                }
            }
            publisher.join();
            assertEquals(total, seen);
        }
    }

    @Test
    void discardPendingRemovesOnlyARecordThatNoAttemptHasTouched() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedResultStore store = store(process, HOUR)) {
            Instant now = Instant.now();
            RequestRecord untouched = RequestRecord.pending("untouched", now, null);
            RequestRecord processing = RequestRecord.pending("processing", now, null).processing(1, now);
            RequestRecord waiting = RequestRecord.pending("waiting", now, null).processing(1, now)
                    .waitingForRetry("503", now);
            RequestRecord done = RequestRecord.pending("done", now, null)
                    .finished(Status.COMPLETED, Reply.json("{}".getBytes()), null, 1, now);
            for (RequestRecord r : List.of(untouched, processing, waiting, done)) {
                store.put(r).toCompletableFuture().join();
                store.discardPending(r.correlationId()).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            store.discardPending("unknown").toCompletableFuture().get(5, TimeUnit.SECONDS);

            assertEquals(Optional.empty(), store.get("untouched").toCompletableFuture().join());
            for (RequestRecord kept : List.of(processing, waiting, done)) {
                assertEquals(Optional.of(kept), store.get(kept.correlationId()).toCompletableFuture().join());
            }
        }
    }

    @Test
    void releasingAnIdempotencyKeyUnbindsItOnlyFromTheSameClaim() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedResultStore store = store(process, HOUR)) {
            IdempotencyClaim first = new IdempotencyClaim("key:k", "sha256:aaa", "id-1");
            IdempotencyClaim second = new IdempotencyClaim("key:k", "sha256:bbb", "id-2");
            assertEquals(first, store.claimIdempotencyKey(first).toCompletableFuture().join());

            for (IdempotencyClaim other : List.of(new IdempotencyClaim("key:k", "sha256:aaa", "id-9"),
                    new IdempotencyClaim("key:k", "sha256:zzz", "id-1"), second,
                    new IdempotencyClaim("key:other", "sha256:aaa", "id-1"))) {
                store.releaseIdempotencyKey(other).toCompletableFuture().get(5, TimeUnit.SECONDS);
                assertEquals(first, store.claimIdempotencyKey(second).toCompletableFuture().join(),
                        "released by " + other);
            }

            store.releaseIdempotencyKey(first).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals(second, store.claimIdempotencyKey(second).toCompletableFuture().join());
            store.releaseIdempotencyKey(first).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals(second, store.claimIdempotencyKey(first).toCompletableFuture().join(),
                    "a stale release removed the next claim");
        }
    }

    @Test
    void aReadBeyondTheBacklogIsRefusedAtOnce() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedResultStore store = store(process, HOUR, "max_backlog", 1)) {
            RequestRecord record = RequestRecord.pending("id", Instant.now(), null);
            store.put(record).toCompletableFuture().join();
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch readersHeld = new CountDownLatch(2);
            List<CompletableFuture<Object>> blockers = new ArrayList<>();
            for (int i = 0; i < 2; i++) { // every reader thread
                blockers.add(store.database().read(s -> Fixtures.hold(readersHeld, release), "block"));
            }
            readersHeld.await();
            CompletableFuture<Optional<RequestRecord>> queued = store.get("id").toCompletableFuture();

            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> store.get("id").toCompletableFuture().get(1, TimeUnit.SECONDS));
            HqmException overloaded = assertInstanceOf(HqmException.class, e.getCause());
            assertTrue(overloaded.isRetryable());
            assertEquals("the embedded queue is overloaded; retry later", overloaded.getMessage());

            release.countDown();
            assertEquals(Optional.of(record), queued.get(5, TimeUnit.SECONDS));
            for (CompletableFuture<Object> blocker : blockers) {
                blocker.get(5, TimeUnit.SECONDS);
            }
            assertEquals(Optional.of(record), store.get("id").toCompletableFuture().get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void recordsExpireAfterTheirTtlAndArePurged() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedResultStore store = store(process, Duration.ofMillis(500), "cleanup_interval", "100ms")) {
            RequestRecord record = RequestRecord.pending("id", Instant.now(), null);
            store.put(record).toCompletableFuture().join();
            assertEquals(Optional.of(record), store.get("id").toCompletableFuture().join());
            Thread.sleep(700);
            assertEquals(Optional.empty(), store.get("id").toCompletableFuture().join());
            assertEquals(Optional.empty(), store.awaitTerminal("id", Duration.ZERO).toCompletableFuture().join());

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (rows(home, "results") > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(0, rows(home, "results"), "expired rows were not purged");
        }
    }

    @Test
    void awaitTerminalCompletesWhenThisProcessStoresATerminalStatus() throws Exception {
        // a long poll_interval: only the in-process notification can complete it quickly
        try (TestPluginContext process = process(home, "a");
             EmbeddedResultStore store = store(process, HOUR, "poll_interval", "30s")) {
            RequestRecord pending = RequestRecord.pending("id", Instant.now(), null);
            store.put(pending).toCompletableFuture().join();

            long called = System.nanoTime();
            CompletableFuture<Optional<RequestRecord>> waiting =
                    store.awaitTerminal("id", Duration.ofSeconds(20)).toCompletableFuture();
            assertTrue(elapsedMillis(called) < 500, "awaitTerminal blocked its caller");

            store.put(pending.processing(1, Instant.now())).toCompletableFuture().join();
            Thread.sleep(300);
            assertFalse(waiting.isDone(), "completed for a PROCESSING record");

            RequestRecord done = pending.processing(1, Instant.now())
                    .finished(Status.COMPLETED, Reply.json("{}".getBytes()), null, 5, Instant.now());
            long putAt = System.nanoTime();
            store.put(done).toCompletableFuture().join();
            assertEquals(Optional.of(done), waiting.get(5, TimeUnit.SECONDS));
            assertTrue(elapsedMillis(putAt) < 1_000, "took " + elapsedMillis(putAt) + " ms");
        }
    }

    @Test
    void awaitTerminalSeesARecordWrittenByAnotherProcess() throws Exception {
        try (TestPluginContext listenerProcess = process(home, "listener");
             TestPluginContext workerProcess = process(home, "worker");
             EmbeddedResultStore listener = store(listenerProcess, HOUR, "poll_interval", "50ms");
             EmbeddedResultStore worker = store(workerProcess, HOUR)) {
            RequestRecord pending = RequestRecord.pending("id", Instant.now(), null);
            worker.put(pending).toCompletableFuture().join();
            CompletableFuture<Optional<RequestRecord>> waiting =
                    listener.awaitTerminal("id", Duration.ofSeconds(20)).toCompletableFuture();
            Thread.sleep(200);
            assertFalse(waiting.isDone());

            RequestRecord failed = pending.finished(Status.FAILED, null, "backend refused", 7, Instant.now());
            long putAt = System.nanoTime();
            worker.put(failed).toCompletableFuture().join();
            assertEquals(Optional.of(failed), waiting.get(5, TimeUnit.SECONDS));
            assertTrue(elapsedMillis(putAt) < 2_000, "took " + elapsedMillis(putAt) + " ms");
        }
    }

    @Test
    void awaitTerminalTimesOutWithTheCurrentState() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedResultStore store = store(process, HOUR)) {
            RequestRecord processing = RequestRecord.pending("id", Instant.now(), null).processing(1, Instant.now());
            store.put(processing).toCompletableFuture().join();

            long called = System.nanoTime();
            Optional<RequestRecord> result = store.awaitTerminal("id", Duration.ofMillis(300)).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
            assertEquals(Optional.of(processing), result);
            assertTrue(elapsedMillis(called) >= 290, "gave up after " + elapsedMillis(called) + " ms");

            assertEquals(Optional.empty(), store.awaitTerminal("unknown", Duration.ofMillis(100))
                    .toCompletableFuture().get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void awaitTerminalOnATerminalRecordCompletesAtOnce() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedResultStore store = store(process, HOUR, "poll_interval", "30s")) {
            RequestRecord done = RequestRecord.pending("id", Instant.now(), null)
                    .finished(Status.TIMEOUT, null, "took longer than 30 s", 30_000, Instant.now());
            store.put(done).toCompletableFuture().join();
            long called = System.nanoTime();
            assertEquals(Optional.of(done), store.awaitTerminal("id", Duration.ofSeconds(20)).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS));
            assertTrue(elapsedMillis(called) < 1_000);
        }
    }

    @Test
    void closingCompletesPendingWaiters() throws Exception {
        TestPluginContext process = process(home, "a");
        EmbeddedResultStore store = store(process, HOUR);
        RequestRecord pending = RequestRecord.pending("id", Instant.now(), null);
        store.put(pending).toCompletableFuture().join();
        CompletableFuture<Optional<RequestRecord>> waiting =
                store.awaitTerminal("id", Duration.ofSeconds(30)).toCompletableFuture();
        store.close();
        assertEquals(Optional.of(pending), waiting.get(5, TimeUnit.SECONDS));

        ExecutionException e = assertThrows(ExecutionException.class,
                () -> store.put(pending).toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertInstanceOf(HqmException.class, e.getCause());
        store.close(); // idempotent
        process.close();
    }

    @Test
    void theFirstIdempotencyClaimWins() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedResultStore store = store(process, Duration.ofMillis(600))) {
            IdempotencyClaim first = new IdempotencyClaim("owner:key-1", "sha256:aaa", "id-1");
            IdempotencyClaim second = new IdempotencyClaim("owner:key-1", "sha256:bbb", "id-2");
            IdempotencyClaim other = new IdempotencyClaim("owner:key-2", "sha256:bbb", "id-3");

            assertSame(first, store.claimIdempotencyKey(first).toCompletableFuture().get(5, TimeUnit.SECONDS));
            assertEquals(first, store.claimIdempotencyKey(second).toCompletableFuture().join());
            assertEquals(other, store.claimIdempotencyKey(other).toCompletableFuture().join());

            Thread.sleep(700); // the first claim expired
            assertEquals(second, store.claimIdempotencyKey(second).toCompletableFuture().join());
        }
    }

    @Test
    void concurrentClaimsOfOneKeyAllSeeTheSameWinner() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedResultStore store = store(process, HOUR)) {
            List<CompletableFuture<IdempotencyClaim>> claims = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                claims.add(store.claimIdempotencyKey(new IdempotencyClaim("k", "f" + i, "id-" + i))
                        .toCompletableFuture());
            }
            CompletableFuture.allOf(claims.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            IdempotencyClaim winner = claims.getFirst().join();
            for (CompletableFuture<IdempotencyClaim> c : claims) {
                assertEquals(winner, c.join());
            }
        }
    }

    @Test
    void theQueueAndTheResultStoreOfOneProcessShareOneDatabaseClosedWithTheProcess() throws Exception {
        TestPluginContext process = process(home, "a");
        EmbeddedQueue queue = queue(process);
        EmbeddedResultStore store = store(process, HOUR);
        try {
            assertSame(queue.database(), store.database());
            assertTrue(store.health().healthy());
            queue.close();
            RequestRecord record = RequestRecord.pending("id", Instant.now(), null);
            store.put(record).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals(Optional.of(record), store.get("id").toCompletableFuture().join());
        } finally {
            queue.close();
            store.close();
        }
        assertFalse(store.health().healthy());
        assertFalse(queue.database().isClosed(), "the process closes it, after its adapters");
        process.close();
        assertTrue(queue.database().isClosed());
    }

    static long rows(Path home, String table) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("data/openhqm.db"));
             ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long elapsedMillis(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
