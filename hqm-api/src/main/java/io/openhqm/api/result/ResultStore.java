package io.openhqm.api.result;

import io.openhqm.api.Health;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Status and outcome of every submission by correlation id, kept for {@link ResultSettings#ttl()} after
 * the last change. Shared by listener and worker processes.
 *
 * <p>Thread-safe. Asynchronous so adapters can pipeline; stages complete exceptionally with
 * {@link io.openhqm.api.HqmException} (TRANSIENT when the backend is unreachable). A completed
 * {@link #put} is durable: a worker acknowledges a message only after the put of its outcome completed.
 *
 * <p>Lifecycle: created by {@link ResultStoreFactory#create}, closed once at shutdown; a pending
 * {@link #awaitTerminal} completes when the store closes.
 */
public interface ResultStore extends AutoCloseable {

    /** Stores (inserts or replaces) a record and restarts its TTL. */
    CompletionStage<Void> put(RequestRecord record);

    /** The record, or empty if unknown or expired. */
    CompletionStage<Optional<RequestRecord>> get(String correlationId);

    /**
     * Completes as soon as the record is terminal, or after {@code maxWait} with whatever it is then (or
     * empty if unknown). Implementations wake waiters on change (notifications), not by tight polling.
     */
    CompletionStage<Optional<RequestRecord>> awaitTerminal(String correlationId, Duration maxWait);

    /**
     * Binds {@code claim.key()} to {@code claim} unless it is bound already, atomically, for the TTL.
     *
     * @return the claim that holds the key now: {@code claim} itself if it won, else the earlier one
     */
    CompletionStage<IdempotencyClaim> claimIdempotencyKey(IdempotencyClaim claim);

    /**
     * Whether a {@link #put} issued before a {@link io.openhqm.api.queue.Queue#publish} on this process's queue of
     * the same plugin is always stored no later than that message can be delivered: true when both go through one
     * ordered channel to the backend (one connection, one writer). The server then issues the PENDING put and the
     * publish of a submission together, one round trip instead of two. Default {@code false}: the server waits for
     * the put before publishing.
     */
    default boolean ordersPutsBeforePublishes() {
        return false;
    }

    /** Whether the backend is reachable now. */
    Health health();

    @Override
    void close();
}
