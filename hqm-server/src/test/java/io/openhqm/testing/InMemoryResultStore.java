package io.openhqm.testing;

import io.openhqm.api.Health;
import io.openhqm.api.HqmException;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.Status;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A result store in maps, keeping the SPI's rules (final terminal records, compare-and-delete claims);
 * {@link #down} makes puts fail as an unreachable backend's do.
 */
public final class InMemoryResultStore implements ResultStore {
    public final Map<String, RequestRecord> records = new ConcurrentHashMap<>();
    public final Map<String, IdempotencyClaim> claims = new ConcurrentHashMap<>();
    public volatile boolean down;

    @Override
    public CompletionStage<Void> put(RequestRecord record) {
        if (down) {
            return CompletableFuture.failedFuture(HqmException.transientFailure("store down", null));
        }
        records.merge(record.correlationId(), record, (old, next) -> old.status().isTerminal() ? old : next);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Optional<RequestRecord>> get(String correlationId) {
        return CompletableFuture.completedFuture(Optional.ofNullable(records.get(correlationId)));
    }

    @Override
    public CompletionStage<Optional<RequestRecord>> awaitTerminal(String correlationId, Duration maxWait) {
        return get(correlationId);
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
        return Health.up("in memory");
    }

    @Override
    public void close() {
    }
}
