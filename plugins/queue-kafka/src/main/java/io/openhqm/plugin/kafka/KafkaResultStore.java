package io.openhqm.plugin.kafka;

import io.openhqm.api.Health;
import io.openhqm.api.HqmException;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.Status;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Status and outcome per correlation id in the compacted results topic that every process reads in full
 * ({@link ResultsTopic}): reads and waits are answered from memory, writes go to the topic. A put completes once the
 * broker acknowledged it and is visible to {@link #get} in this process from then on, in other processes once they
 * have read it (usually within milliseconds); every process holds its instants in whole milliseconds. A waiter is woken by the terminal record arriving from the topic. A
 * {@link #get} that finds a terminal record first reads the topic up to its current end, so a record reopened by
 * another process (a redrive) is never answered as still finished.
 *
 * <p>Thread-safe. {@link #close()} fails this store's pending waits; the topic's reader is the process's, closed by
 * the server after every adapter.
 */
final class KafkaResultStore implements ResultStore {
    private final ResultsTopic topic;
    private final Set<CompletableFuture<?>> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    KafkaResultStore(ResultsTopic topic) {
        this.topic = topic;
    }

    @Override
    public CompletionStage<Void> put(RequestRecord record) {
        return topic.write(record, false);
    }

    @Override
    public CompletionStage<Void> reopen(RequestRecord record) {
        return topic.write(record, true);
    }

    @Override
    public CompletionStage<Optional<RequestRecord>> get(String correlationId) {
        return topic.getLatest(correlationId);
    }

    @Override
    public CompletionStage<Optional<RequestRecord>> awaitTerminal(String correlationId, Duration maxWait) {
        if (closed) {
            return CompletableFuture.failedFuture(closing());
        }
        CompletableFuture<Optional<RequestRecord>> result = new CompletableFuture<>();
        waiting.add(result);
        topic.awaitTerminal(correlationId, maxWait).whenComplete((record, e) -> {
            waiting.remove(result);
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(record);
            }
        });
        return result;
    }

    @Override
    public CompletionStage<IdempotencyClaim> claimIdempotencyKey(IdempotencyClaim claim) {
        // Written and read back even when this process sees the key bound (it may have been released meanwhile):
        // the first claim of the key in the topic's order wins, in every process alike.
        return topic.claim(claim, false).thenApply(read -> topic.claim(claim.key()).orElse(claim));
    }

    @Override
    public CompletionStage<Void> releaseIdempotencyKey(IdempotencyClaim claim) {
        return topic.claim(claim, true);
    }

    @Override
    public CompletionStage<Void> discardPending(String correlationId) {
        Optional<RequestRecord> stored = topic.get(correlationId);
        if (stored.isEmpty() || stored.get().status() != Status.PENDING || stored.get().attempts() != 0) {
            return CompletableFuture.completedFuture(null);
        }
        return topic.discard(stored.get());
    }

    @Override
    public Health health() {
        return topic.health();
    }

    private static HqmException closing() {
        return HqmException.transientFailure("the server is shutting down; ask again later", null);
    }

    @Override
    public void close() {
        closed = true;
        HqmException closing = closing();
        waiting.forEach(w -> w.completeExceptionally(closing));
        waiting.clear();
    }
}
