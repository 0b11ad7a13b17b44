package io.openhqm.plugin.embedded;

import static java.util.Objects.requireNonNull;

import io.openhqm.api.message.Message;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import io.openhqm.toolkit.SettleOnce;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One leased message. Settling blocks until the decision is committed; if that fails, the delivery may be
 * settled again (it is no longer renewed, so the message is redelivered after the visibility timeout
 * unless a later settle succeeds first).
 */
final class EmbeddedDelivery implements Delivery {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDelivery.class);

    private final EmbeddedQueue queue;
    private final EmbeddedQueueConsumer consumer;
    private final long seq;
    private final long leaseId;
    private final Message message;
    private final int attempt;
    private final List<AttemptFailure> history;
    private final SettleOnce settleOnce = new SettleOnce();

    EmbeddedDelivery(EmbeddedQueue queue, EmbeddedQueueConsumer consumer, long seq, long leaseId, Message message,
                     int attempt, List<AttemptFailure> history) {
        this.queue = queue;
        this.consumer = consumer;
        this.seq = seq;
        this.leaseId = leaseId;
        this.message = message;
        this.attempt = attempt;
        this.history = List.copyOf(history);
    }

    @Override
    public Message message() {
        return message;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public List<AttemptFailure> history() {
        return history;
    }

    /** The lease id of a row never leased before is recorded positive (see {@link EmbeddedQueue}). */
    @Override
    public boolean firstDelivery() {
        return leaseId > 0;
    }

    @Override
    public void ack() {
        settle("acknowledged", () -> queue.ack(this));
    }

    /** With this plugin's store in the same database: the outcome and the ack in one transaction, one commit. */
    @Override
    public void ack(RequestRecord outcome, ResultStore results) {
        if (results instanceof EmbeddedResultStore store && queue.sharesDatabaseWith(store)) {
            settle("acknowledged", () -> queue.ack(this, store, outcome));
        } else {
            Delivery.super.ack(outcome, results);
        }
    }

    @Override
    public void retry(Duration delay, String error) {
        checkDelay(delay);
        requireNonNull(error, "error is null");
        settle("retried", () -> queue.retry(this, delay, error));
    }

    @Override
    public void defer(Duration delay) {
        checkDelay(delay);
        settle("deferred", () -> queue.defer(this, delay));
    }

    @Override
    public void deadLetter(String reason) {
        requireNonNull(reason, "reason is null");
        settle("dead-lettered", () -> queue.deadLetter(this, reason));
    }

    long seq() {
        return seq;
    }

    long leaseId() {
        return leaseId;
    }

    EmbeddedQueueConsumer consumer() {
        return consumer;
    }

    private void settle(String what, Supplier<CompletableFuture<Boolean>> operation) {
        boolean held = settleOnce.run("the delivery of " + message.correlationId() + " (attempt " + attempt + ")",
                () -> {
                    try {
                        return EmbeddedDatabase.join(operation.get());
                    } finally {
                        queue.forget(this);
                    }
                });
        if (!held) {
            LOG.warn("embedded queue {}: {} (attempt {}) was {} after its lease had expired and another consumer "
                            + "took it; that consumer decides its fate, so it may be processed again",
                    queue.name(), message.correlationId(), attempt, what);
        }
    }

    private static void checkDelay(Duration delay) {
        requireNonNull(delay, "delay is null");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedDelivery[" + message.correlationId() + ", attempt " + attempt + "]";
    }
}
