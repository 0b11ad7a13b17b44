package io.openhqm.plugin.kafka;

import io.openhqm.api.message.Message;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.Delivery;
import io.openhqm.toolkit.SettleOnce;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One delivery of a Kafka record. {@link #ack()} only marks the record settled: its consumer commits the
 * partition's offsets later, up to the first record not yet settled. {@link #retry}, {@link #defer} and
 * {@link #deadLetter} first write the record to the retry topic or the dead-letter topic and wait for the broker's
 * acknowledgement, then mark it settled (with {@code ordering = key} a keyed record's retry or deferral stays in its
 * consumer instead: see {@link KafkaQueueConsumer}); {@code defer(Duration.ZERO)} (a hand-back) puts the record back into its
 * consumer's buffer instead. If the record's partition was revoked meanwhile, a settle changes nothing: the
 * partition's new owner delivers the record again.
 */
final class KafkaDelivery implements Delivery {
    private final KafkaQueueConsumer consumer;
    private final ConsumerRecord<byte[], byte[]> record;
    private final RecordFormat.Decoded decoded;
    private final PartitionProgress progress;
    private final String orderingKey;
    private final SettleOnce settleOnce = new SettleOnce();
    private final AtomicBoolean superseded = new AtomicBoolean();

    KafkaDelivery(KafkaQueueConsumer consumer, ConsumerRecord<byte[], byte[]> record, RecordFormat.Decoded decoded,
                  PartitionProgress progress, String orderingKey) {
        this.consumer = consumer;
        this.record = record;
        this.decoded = decoded;
        this.progress = progress;
        this.orderingKey = orderingKey;
    }

    @Override
    public Message message() {
        return decoded.message();
    }

    @Override
    public int attempt() {
        return decoded.attempt();
    }

    @Override
    public List<AttemptFailure> history() {
        return decoded.history();
    }

    @Override
    public String orderingKey() {
        return orderingKey;
    }

    /** The same record as a new delivery: attempt {@code attempt} after the failures {@code history}. */
    KafkaDelivery again(int attempt, List<AttemptFailure> history) {
        return new KafkaDelivery(consumer, record, new RecordFormat.Decoded(decoded.message(), attempt,
                List.copyOf(history), 0, decoded.source()), progress, orderingKey);
    }

    ConsumerRecord<byte[], byte[]> record() {
        return record;
    }

    RecordFormat.Decoded decoded() {
        return decoded;
    }

    PartitionProgress progress() {
        return progress;
    }

    TopicPartition partition() {
        return new TopicPartition(record.topic(), record.partition());
    }

    @Override
    public void ack() {
        settle(() -> consumer.settled(this));
    }

    @Override
    public void retry(Duration delay, String error) {
        List<AttemptFailure> failures = withFailure(error);
        settle(() -> consumer.handBack(this, delay, attempt() + 1, failures, "scheduling a retry of"));
    }

    @Override
    public void defer(Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            settle(() -> consumer.requeue(this));
        } else {
            settle(() -> consumer.handBack(this, delay, attempt(), history(), "deferring"));
        }
    }

    @Override
    public void deadLetter(String reason) {
        List<AttemptFailure> failures = withFailure(reason);
        settle(() -> consumer.deadLetter(this, failures, reason));
    }

    private List<AttemptFailure> withFailure(String error) {
        List<AttemptFailure> failures = new ArrayList<>(history());
        failures.add(new AttemptFailure(attempt(), consumer.now(), error));
        return failures;
    }

    private void settle(Runnable settle) {
        settleOnce.run(toString(), () -> {
            if (superseded.get()) {
                return null; // delivered again already, after an earlier settle failed
            }
            try {
                settle.run();
            } catch (RuntimeException e) {
                consumer.settleFailed(this);
                throw e;
            }
            return null;
        });
    }

    /**
     * After a settle failed and none succeeded since: true once, and from then on every settle of this delivery
     * does nothing, because the record is delivered again.
     */
    boolean supersede() {
        return !settleOnce.settled() && superseded.compareAndSet(false, true);
    }

    @Override
    public String toString() {
        return "KafkaDelivery[" + record.topic() + "-" + record.partition() + "@" + record.offset() + ", "
                + decoded.message().correlationId() + ", attempt " + decoded.attempt() + "]";
    }
}
