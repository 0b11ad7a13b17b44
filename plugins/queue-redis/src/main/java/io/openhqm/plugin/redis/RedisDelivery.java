package io.openhqm.plugin.redis;

import io.openhqm.api.message.Message;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import io.openhqm.toolkit.SettleOnce;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delivery of a stream entry. Each settling method runs one script that settles the entry (see
 * {@code settle.lua}) and, for retry, defer and dead-letter, adds the message where it goes next, atomically; it
 * blocks until Redis answered. If this consumer no longer holds the entry (its lease was lost to another consumer),
 * the script changes nothing and the settle returns normally: the holder settles it. A failed settle may be
 * followed by another (the engine defers after a failed ack). Once any settle was tried the lease is no longer
 * renewed; if none succeeded, the consumer delivers the entry again as soon as
 * Redis answers (and any consumer would reclaim it after the visibility timeout).
 */
final class RedisDelivery implements Delivery {
    private static final Logger LOG = LoggerFactory.getLogger(RedisDelivery.class);

    private final RedisConsumer consumer;
    private final ConsumedStream stream;
    private final String entryId;
    private final Message message;
    private final int attempt;
    private final List<AttemptFailure> history;
    private final boolean first;
    private final SettleOnce settleOnce = new SettleOnce();

    RedisDelivery(RedisConsumer consumer, ConsumedStream stream, String entryId, Message message, int attempt,
                  List<AttemptFailure> history, boolean first) {
        this.consumer = consumer;
        this.stream = stream;
        this.entryId = entryId;
        this.message = message;
        this.attempt = attempt;
        this.history = List.copyOf(history);
        this.first = first;
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

    /** Read as a new entry of the stream, and not one a worker handed back. */
    @Override
    public boolean firstDelivery() {
        return first;
    }

    String entryId() {
        return entryId;
    }

    ConsumedStream stream() {
        return stream;
    }

    @Override
    public void ack() {
        settle("acknowledging", () -> consumer.queue().ack(stream.name, entryId, consumer.name()));
    }

    /** With this plugin's store on the same Redis: the outcome and the ack in one script, one round trip. */
    @Override
    public void ack(RequestRecord outcome, ResultStore results) {
        if (results instanceof RedisResultStore store && store.sharesBackendWith(consumer.queue())) {
            settle("completing", () -> consumer.queue().complete(stream.name, entryId, consumer.name(), store,
                    outcome));
        } else {
            Delivery.super.ack(outcome, results);
        }
    }

    @Override
    public void retry(Duration delay, String error) {
        List<AttemptFailure> failures = new ArrayList<>(history);
        failures.add(new AttemptFailure(attempt, consumer.queue().clock.instant(), error));
        settle("scheduling a retry of", () -> consumer.queue().requeue(stream.name, entryId, consumer.name(),
                EntryFormat.encode(message, attempt + 1, failures), delay));
    }

    @Override
    public void defer(Duration delay) {
        settle("handing back", () -> consumer.queue().requeue(stream.name, entryId, consumer.name(),
                EntryFormat.encode(message, attempt, history), delay));
    }

    @Override
    public void deadLetter(String reason) {
        List<AttemptFailure> failures = new ArrayList<>(history);
        failures.add(new AttemptFailure(attempt, consumer.queue().clock.instant(), reason));
        settle("dead-lettering", () -> consumer.queue().deadLetter(stream.name, entryId, consumer.name(),
                EntryFormat.encode(message, attempt, failures), reason));
    }

    private void settle(String what, Supplier<CompletableFuture<Boolean>> script) {
        boolean done = settleOnce.run("delivery " + entryId, () -> {
            consumer.settling(stream, entryId);
            try {
                return consumer.queue().backend.await(script.get(), what + " message " + message.correlationId());
            } catch (RuntimeException e) {
                consumer.settleFailed(stream, entryId);
                throw e;
            }
        });
        consumer.settled(stream, entryId);
        if (!done) {
            LOG.info("{} message {} did nothing: this worker no longer holds entry {} of {} (it was not renewed"
                    + " within the visibility timeout and another worker took it, or it was settled already)",
                    what, message.correlationId(), entryId, stream);
        }
    }

    @Override
    public String toString() {
        return "RedisDelivery[" + entryId + ", " + message.correlationId() + ", attempt " + attempt + "]";
    }
}
