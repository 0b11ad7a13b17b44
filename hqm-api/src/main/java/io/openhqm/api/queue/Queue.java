package io.openhqm.api.queue;

import io.openhqm.api.Health;
import io.openhqm.api.message.Message;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A durable queue of {@link Message}s with at-least-once delivery, and its dead-letter queue (browsed through the
 * optional {@link #deadLetterBrowser()}).
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

    /**
     * What {@link #depth()} is made of, as far as the backend can tell cheaply; {@link QueueStats#UNKNOWN} by
     * default. Called by the admin API on demand, not on a hot path.
     *
     * @since 1.1
     */
    default QueueStats stats() {
        return QueueStats.UNKNOWN;
    }

    /** Whether the backend is reachable now; cheap enough to call on every health probe. */
    Health health();

    /**
     * Browsing this queue's dead letters, if the adapter offers it (the admin API uses it); empty by default.
     *
     * @since 1.1
     */
    default Optional<DeadLetterBrowser> deadLetterBrowser() {
        return Optional.empty();
    }

    /**
     * Up to {@code limit} of the newest dead letters, the oldest of them first; empty without a
     * {@link #deadLetterBrowser()}.
     *
     * @deprecated since 1.1, for removal in 2.0: use {@link #deadLetterBrowser()}, whose
     *             {@link DeadLetterBrowser#newest} lists newest first. The default reads through it.
     */
    @Deprecated(forRemoval = true, since = "1.1")
    default List<DeadLetter> deadLetters(int limit) {
        return deadLetterBrowser().map(browser -> browser.newest(limit).reversed()).orElse(List.of());
    }

    /**
     * Number of messages in the dead-letter queue; 0 without a {@link #deadLetterBrowser()}.
     *
     * @deprecated since 1.1, for removal in 2.0: use {@link #deadLetterBrowser()} and
     *             {@link DeadLetterBrowser#count}. The default reads through it.
     */
    @Deprecated(forRemoval = true, since = "1.1")
    default long deadLetterCount() {
        return deadLetterBrowser().map(DeadLetterBrowser::count).orElse(0L);
    }

    /** Releases connections and threads. Undelivered and in-flight messages stay in the backend. */
    @Override
    void close();
}
