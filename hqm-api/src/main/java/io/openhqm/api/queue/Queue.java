package io.openhqm.api.queue;

import io.openhqm.api.Health;
import io.openhqm.api.message.Message;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A durable queue of {@link Message}s with at-least-once delivery, and its dead-letter queue.
 *
 * <p>Thread-safe: many threads publish and consume at once. {@link #publish} is asynchronous so adapters can
 * pipeline or group-commit concurrent publishes; its stage completes only once the message is durably
 * stored (the HTTP listener answers 202 then). Messages are handed to workers by {@link QueueConsumer}s;
 * a delivered message stays owned by its consumer until the {@link Delivery} is settled, and is delivered
 * again if the owning process dies first.
 *
 * <p>Failures: methods throw, or complete stages exceptionally with, {@link io.openhqm.api.HqmException};
 * kind TRANSIENT when the backend is unreachable.
 *
 * <p>Lifecycle: created by {@link QueueFactory#create}, closed once by the server at shutdown after every
 * consumer has been closed.
 */
public interface Queue extends AutoCloseable {

    /** Stores the message durably; the stage completes when it is safe to acknowledge the client. */
    CompletionStage<Void> publish(Message message);

    /**
     * Opens a consumer. Each worker loop uses its own consumer.
     *
     * @param name a name unique within this process (e.g. {@code "worker-3"})
     */
    QueueConsumer consumer(String name);

    /** Messages not yet settled: waiting, delayed for retry, and in flight. */
    long depth();

    /** Whether the backend is reachable now; cheap enough to call on every health probe. */
    Health health();

    /** Up to {@code limit} dead-lettered messages, oldest first. */
    List<DeadLetter> deadLetters(int limit);

    /** Number of messages in the dead-letter queue. */
    long deadLetterCount();

    /** Releases connections and threads. Undelivered and in-flight messages stay in the backend. */
    @Override
    void close();
}
