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

    /**
     * Stores (inserts or replaces) a record and restarts its TTL, unless the stored record of that id is
     * terminal: a terminal status is final, and a later put of the same id (from a worker that lost its lease,
     * or a redelivery racing the first one) changes nothing. The check and the write are one atomic step.
     */
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
     * Undoes {@link #claimIdempotencyKey}: unbinds {@code claim.key()} if it is still bound to {@code claim}
     * (same fingerprint and correlation id), atomically; otherwise does nothing. The server calls it when the
     * submission the claim guarded was not accepted, so a retry is answered as if it were the first. The default
     * does nothing: keys then stay bound until their TTL. (SPI 1.1)
     */
    default CompletionStage<Void> releaseIdempotencyKey(IdempotencyClaim claim) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /**
     * Removes the record of {@code correlationId} if it is still PENDING with no attempt started, atomically;
     * otherwise does nothing. The server calls it when a submission whose PENDING record was stored could not be
     * published. The default does nothing: the record then expires with its TTL. (SPI 1.1)
     */
    default CompletionStage<Void> discardPending(String correlationId) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /**
     * Stores {@code record} whatever the stored record of its id is, terminal or not, and restarts its TTL: the one
     * way back from a terminal status, for a dead letter that is redriven (the server stores a fresh PENDING record,
     * no attempt started, before it moves the message back to the queue). The default fails with
     * {@link UnsupportedOperationException}: the admin API then cannot redrive with this store. (SPI 1.1)
     */
    default CompletionStage<Void> reopen(RequestRecord record) {
        return java.util.concurrent.CompletableFuture.failedFuture(new UnsupportedOperationException(
                getClass().getName() + " cannot reopen a finished record"));
    }

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
