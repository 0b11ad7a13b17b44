package io.openhqm.api.queue;

import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * One delivery of a message to a worker. Exactly one of the settling methods ({@link #ack},
 * {@link #retry}, {@link #defer}, {@link #deadLetter}) must be called, once; until then the message is
 * in flight and will be delivered again if this process dies.
 *
 * <p>Settling methods block until the backend has recorded the decision and throw
 * {@link io.openhqm.api.HqmException} (TRANSIENT) if it could not; the message is then redelivered later,
 * never lost. Safe to call from any thread.
 *
 * <p>What a queue may defer: a settle may return once the decision is certain to take effect or, if the process
 * dies first, to be undone by a redelivery, never by a loss. A Kafka queue, for example, marks an acknowledged
 * record done and commits each partition's offsets later, in order, up to the first record not yet done: a crash
 * before the commit delivers the done records again (at-least-once), and one slow message holds back only its
 * partition's commit, not other messages. Retries, deferrals and dead letters must be durable where they go (a
 * retry topic, the dead-letter topic) before the original counts as settled.
 */
public interface Delivery {

    Message message();

    /**
     * Which attempt this is, starting at 1. A delivery that was {@link #defer deferred} does not count;
     * a delivery that was never settled (its process died) does.
     */
    int attempt();

    /** The failures of earlier attempts, oldest first. */
    List<AttemptFailure> history();

    /**
     * Whether this is the message's first delivery: no worker was handed it before (it was not redelivered,
     * reclaimed, handed back, deferred or retried). The engine then takes it that no outcome is stored for it and
     * that its processing time starts now, and does not read its record before the attempt: one round trip less per
     * message. A queue that cannot tell returns {@code false} (the default), which is always correct. A message whose
     * correlation id already has a finished record (only an external producer can queue one: the listener refuses
     * ids in use) is then processed, and its outcome is not stored, since a finished record is final. (SPI 1.1)
     */
    default boolean firstDelivery() {
        return false;
    }

    /**
     * The key whose messages must be processed one at a time, in the order polled, or {@code null} (the default)
     * when this message may run alongside any other. A queue with ordering (e.g. Kafka's {@code ordering = key}
     * or {@code partition}) returns the message's partition key or its partition here; the engine then starts a
     * delivery only after every earlier delivery of the same key was settled. (SPI 1.1)
     */
    default String orderingKey() {
        return null;
    }

    /** Done: removes the message from the queue. Call only after its outcome is stored. */
    void ack();

    /**
     * Stores {@code outcome} in {@code results}, then acknowledges: the engine's way to finish a message. A queue
     * whose backend also holds {@code results} (the same plugin's store on the same connection or database)
     * overrides it to do both in one step, one round trip or one commit, never acknowledging without storing.
     * The default waits for {@link ResultStore#put} and then calls {@link #ack()}. Throws like {@link #ack()}
     * (the put's failure as {@link io.openhqm.api.HqmException}). (SPI 1.1)
     *
     * @param outcome the message's terminal record
     * @param results the server's result store
     */
    default void ack(RequestRecord outcome, ResultStore results) {
        try {
            results.put(outcome).toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HqmException.transientFailure("interrupted while storing the outcome", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure
                    : HqmException.transientFailure("storing the outcome failed", e.getCause());
        }
        ack();
    }

    /**
     * A failed attempt: records {@code error} in the history and makes the message due again after
     * {@code delay}, without blocking other messages.
     */
    void retry(Duration delay, String error);

    /**
     * Hands the message back to be delivered again after {@code delay} without counting an attempt:
     * for a circuit breaker that is open, or for shutdown ({@link Duration#ZERO}).
     */
    void defer(Duration delay);

    /** Moves the message, with its history and {@code reason}, to the dead-letter queue. */
    void deadLetter(String reason);
}
