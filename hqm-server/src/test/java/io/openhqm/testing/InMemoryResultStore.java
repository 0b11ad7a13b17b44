package io.openhqm.testing;

import io.openhqm.api.Health;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A result store in maps, keeping the SPI's rules (final terminal records, compare-and-delete claims). While
 * {@link #failure} is set, puts and reads fail with it and health is down with its message. {@link #puts} lists the
 * puts applied, in order; while {@link #holdProcessingPuts} is set, a PROCESSING put is applied (and completes) only
 * when it completes.
 */
public final class InMemoryResultStore implements ResultStore {
    public final Map<String, RequestRecord> records = new ConcurrentHashMap<>();
    public final Map<String, IdempotencyClaim> claims = new ConcurrentHashMap<>();
    public volatile RuntimeException failure;
    public final AtomicInteger reads = new AtomicInteger();
    /** "id STATUS" of each put applied, in order. */
    public final List<String> puts = new CopyOnWriteArrayList<>();
    public volatile CompletableFuture<Void> holdProcessingPuts;

    @Override
    public CompletionStage<Void> put(RequestRecord record) {
        RuntimeException failing = failure;
        if (failing != null) {
            return CompletableFuture.failedFuture(failing);
        }
        CompletableFuture<Void> hold = holdProcessingPuts;
        if (hold != null && record.status() == Status.PROCESSING) {
            return hold.thenRun(() -> apply(record));
        }
        apply(record);
        return CompletableFuture.completedFuture(null);
    }

    private void apply(RequestRecord record) {
        puts.add(record.correlationId() + " " + record.status());
        records.merge(record.correlationId(), record, (old, next) -> old.status().isTerminal() ? old : next);
    }

    @Override
    public CompletionStage<Void> reopen(RequestRecord record) {
        RuntimeException failing = failure;
        if (failing != null) {
            return CompletableFuture.failedFuture(failing);
        }
        records.put(record.correlationId(), record);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Optional<RequestRecord>> get(String correlationId) {
        reads.incrementAndGet();
        RuntimeException failing = failure;
        if (failing != null) {
            return CompletableFuture.failedFuture(failing);
        }
        return CompletableFuture.completedFuture(Optional.ofNullable(records.get(correlationId)));
    }

    /** Polls every 10 ms: good enough for tests. */
    @Override
    public CompletionStage<Optional<RequestRecord>> awaitTerminal(String correlationId, Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        return CompletableFuture.supplyAsync(() -> {
            RequestRecord record = records.get(correlationId);
            while ((record == null || !record.status().isTerminal()) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                record = records.get(correlationId);
            }
            return Optional.ofNullable(record);
        }, runnable -> Thread.ofVirtual().start(runnable));
    }

    @Override
    public CompletionStage<IdempotencyClaim> claimIdempotencyKey(IdempotencyClaim claim) {
        return CompletableFuture.completedFuture(claims.merge(claim.key(), claim, (old, next) -> old));
    }

    @Override
    public CompletionStage<Void> releaseIdempotencyKey(IdempotencyClaim claim) {
        claims.remove(claim.key(), claim);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> discardPending(String correlationId) {
        records.computeIfPresent(correlationId,
                (id, r) -> r.status() == Status.PENDING && r.attempts() == 0 ? null : r);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean ordersPutsBeforePublishes() {
        return true;
    }

    @Override
    public Health health() {
        RuntimeException failing = failure;
        return failing == null ? Health.up("in memory") : Health.down(failing.getMessage());
    }

    @Override
    public void close() {
    }
}
