package io.openhqm.plugin.kafka;

import io.openhqm.api.HqmException;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker loop's reader of the pool's topics and their retry topics, a member of the classic consumer group
 * {@code queue.kafka.consumer_group}. A poll thread of its own owns the {@link KafkaConsumer}: it polls without
 * pause (so the group never evicts it, however slow the processing), puts the records into a local buffer that
 * {@link #poll} hands to the engine, and commits each partition's watermark ({@link PartitionProgress}) every
 * {@code commit_interval}, when a partition is revoked and at close. Records of a partition are handed out
 * together and run concurrently; {@link io.openhqm.api.queue.Delivery#orderingKey()} tells the engine which must
 * run one at a time.
 *
 * <p>With {@code ordering = key}, the records of one key of a partition form a lane: only its oldest unsettled record
 * is handed to the engine, the next one once it is settled. A retry or deferral of a keyed record stays in this
 * consumer (it is handed out again when due, its offset uncommitted meanwhile) instead of going to the retry topic, so
 * the later records of its key wait behind it while every other key of the partition keeps flowing.
 *
 * <p>Flow control: while {@code max_buffered} records are fetched and not settled, every partition is paused (the
 * consumer keeps polling, which returns nothing), and resumed once half of them are settled. A record of a retry
 * topic that is not due yet pauses only its retry partition, which is sought back to it and resumed at its due
 * time; every other partition keeps flowing.
 *
 * <p>{@link #poll} is called by one thread at a time; settles come from any thread.
 */
final class KafkaQueueConsumer implements QueueConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaQueueConsumer.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** How long after a failed settle the record is delivered again, unless a later settle succeeded. */
    private static final Duration REDELIVER_AFTER = Duration.ofSeconds(5);

    /** A delivery whose settle failed at {@code atNanos}. */
    private record Abandoned(KafkaDelivery delivery, long atNanos) {
    }

    /** A keyed record retried in place, handed out again at {@code atNanos}. */
    private record Due(KafkaDelivery delivery, long atNanos) {
    }

    private final KafkaQueue queue;
    private final KafkaConfig config;
    private final String name;
    private final KafkaConsumer<byte[], byte[]> kafka;
    private final LinkedBlockingDeque<KafkaDelivery> ready = new LinkedBlockingDeque<>();
    private final Map<TopicPartition, PartitionProgress> partitions = new ConcurrentHashMap<>();
    private final AtomicInteger unsettled = new AtomicInteger();
    private final Map<TopicPartition, Long> waitingUntil = new HashMap<>(); // poll thread only
    private final ConcurrentLinkedQueue<Abandoned> abandoned = new ConcurrentLinkedQueue<>();
    private final Map<String, ArrayDeque<KafkaDelivery>> lanes = new HashMap<>(); // ordering = key; guarded by itself
    private final PriorityBlockingQueue<Due> due = new PriorityBlockingQueue<>(16,
            Comparator.comparingLong(Due::atNanos));
    private final Thread poller;
    private boolean bufferFull; // poll thread only
    private volatile boolean closed;

    KafkaQueueConsumer(KafkaQueue queue, String name) {
        this.queue = queue;
        this.config = queue.config();
        this.name = name;
        this.kafka = queue.clients().consumer(name);
        this.poller = Thread.ofPlatform().name("hqm-kafka-poll-" + name).daemon(true).unstarted(this::run);
        poller.setContextClassLoader(KafkaQueueConsumer.class.getClassLoader());
        poller.start();
    }

    @Override
    public List<Delivery> poll(int max, Duration maxWait) throws InterruptedException {
        if (closed) {
            throw HqmException.transientFailure("the Kafka consumer " + name + " is closed", null);
        }
        List<Delivery> out = new ArrayList<>(Math.min(max, 64));
        KafkaDelivery first = ready.pollFirst(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        for (KafkaDelivery d = first; d != null; d = out.size() < max ? ready.pollFirst() : null) {
            if (!d.progress().revoked()) {
                out.add(d);
            }
        }
        return out;
    }

    // ---- the poll thread

    private void run() {
        long nextCommit = System.nanoTime() + config.commitInterval().toNanos();
        long backoffMs = 100;
        try {
            kafka.subscribe(queue.consumedTopics(), new Rebalance());
            while (!closed) {
                try {
                    redeliverAbandoned();
                    releaseDue();
                    updatePauses();
                    take(kafka.poll(POLL));
                    if (System.nanoTime() - nextCommit >= 0) {
                        commit(partitions.keySet(), false);
                        nextCommit = System.nanoTime() + config.commitInterval().toNanos();
                    }
                    backoffMs = 100;
                } catch (WakeupException e) {
                    // close() woke the poll
                } catch (RuntimeException e) {
                    if (closed) {
                        break;
                    }
                    if (e instanceof KafkaException) {
                        LOG.warn("consumer {} cannot read from Kafka ({}); retrying in {} ms", name, e.getMessage(),
                                backoffMs);
                    } else {
                        LOG.error("consumer {} failed; retrying in {} ms", name, backoffMs, e);
                    }
                    sleep(backoffMs);
                    backoffMs = Math.min(5000, backoffMs * 2);
                }
            }
        } finally {
            try {
                commit(partitions.keySet(), true);
            } catch (RuntimeException e) {
                LOG.warn("consumer {} could not commit its settled offsets at close ({}); the records are delivered"
                        + " again", name, e.getMessage());
            }
            try {
                kafka.close(CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.debug("closing consumer {}: {}", name, e.getMessage());
            }
        }
    }

    /** Pauses every partition while the buffer is full, and retry partitions until their head record is due. */
    private void updatePauses() {
        Set<TopicPartition> assigned = kafka.assignment();
        int held = unsettled.get();
        if (held >= config.maxBuffered()) {
            if (!bufferFull) {
                LOG.debug("consumer {} holds {} unsettled records; pausing its partitions", name, held);
            }
            bufferFull = true;
        } else if (held <= config.maxBuffered() / 2) {
            bufferFull = false;
        }
        long now = queue.clock().millis();
        waitingUntil.entrySet().removeIf(e -> e.getValue() <= now || !assigned.contains(e.getKey()));
        Set<TopicPartition> pause = bufferFull ? new HashSet<>(assigned) : new HashSet<>(waitingUntil.keySet());
        Set<TopicPartition> paused = kafka.paused();
        Set<TopicPartition> toPause = new HashSet<>(pause);
        toPause.removeAll(paused);
        Set<TopicPartition> toResume = new HashSet<>(paused);
        toResume.removeAll(pause);
        if (!toPause.isEmpty()) {
            kafka.pause(toPause);
        }
        if (!toResume.isEmpty()) {
            kafka.resume(toResume);
        }
    }

    /**
     * Delivers again the records whose settle failed (Kafka unreachable) and was not followed by a successful one,
     * so their partition's watermark does not stop at them.
     */
    private void redeliverAbandoned() {
        long now = System.nanoTime();
        for (Abandoned a; (a = abandoned.peek()) != null && now - a.atNanos() >= REDELIVER_AFTER.toNanos(); ) {
            abandoned.poll();
            if (a.delivery().supersede()) {
                LOG.info("delivering {} again: settling it failed", a.delivery());
                requeue(a.delivery());
            }
        }
    }

    /** Hands out the keyed records retried in place whose time has come. */
    private void releaseDue() {
        long now = System.nanoTime();
        for (Due d; (d = due.peek()) != null && now - d.atNanos() >= 0; ) {
            due.poll();
            if (!d.delivery().progress().revoked()) {
                ready.addLast(d.delivery());
            }
        }
    }

    private void take(ConsumerRecords<byte[], byte[]> records) {
        long now = queue.clock().millis();
        for (TopicPartition tp : records.partitions()) {
            PartitionProgress progress = partitions.get(tp);
            if (progress == null) {
                continue;
            }
            boolean retryTopic = queue.isRetryTopic(tp.topic());
            for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                RecordFormat.Decoded decoded = RecordFormat.decode(record);
                if (retryTopic && decoded.dueAtMs() > now) {
                    kafka.seek(tp, record.offset());
                    kafka.pause(List.of(tp));
                    waitingUntil.put(tp, decoded.dueAtMs());
                    break;
                }
                if (!progress.track(record.offset())) {
                    continue;
                }
                unsettled.incrementAndGet();
                KafkaDelivery delivery = new KafkaDelivery(this, record, decoded, progress, orderingKey(tp, record));
                if (inLane(delivery)) {
                    joinLane(delivery);
                } else {
                    ready.addLast(delivery);
                }
            }
        }
        partitions.forEach((tp, progress) -> {
            if (progress.tracking()) {
                progress.fetchedUpTo(kafka.position(tp));
            }
        });
    }

    private String orderingKey(TopicPartition tp, ConsumerRecord<byte[], byte[]> record) {
        return switch (config.ordering()) {
            case NONE -> null;
            case PARTITION -> tp.toString();
            case KEY -> record.key() == null ? null
                    : tp + ":" + new String(record.key(), StandardCharsets.ISO_8859_1);
        };
    }

    private boolean inLane(KafkaDelivery delivery) {
        return config.ordering() == KafkaConfig.Ordering.KEY && delivery.orderingKey() != null;
    }

    /** Queues {@code delivery} behind the unsettled records of its key; hands it out if there are none. */
    private void joinLane(KafkaDelivery delivery) {
        synchronized (lanes) {
            ArrayDeque<KafkaDelivery> lane = lanes.computeIfAbsent(delivery.orderingKey(), k -> new ArrayDeque<>());
            lane.addLast(delivery);
            if (lane.size() > 1) {
                return;
            }
        }
        ready.addLast(delivery);
    }

    /** {@code settled}, the oldest record of its key, is done: hands out the next record of that key. */
    private void leaveLane(KafkaDelivery settled) {
        KafkaDelivery next;
        synchronized (lanes) {
            ArrayDeque<KafkaDelivery> lane = lanes.get(settled.orderingKey());
            if (lane == null || lane.peekFirst().record().offset() != settled.record().offset()) {
                return;
            }
            lane.pollFirst();
            next = lane.peekFirst();
            if (next == null) {
                lanes.remove(settled.orderingKey());
            }
        }
        if (next != null && !next.progress().revoked()) {
            ready.addLast(next);
        }
    }

    /** Commits the watermark of each of {@code tps} that moved since its last commit. */
    private void commit(Collection<TopicPartition> tps, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : tps) {
            PartitionProgress progress = partitions.get(tp);
            long mark = progress == null ? -1 : progress.watermark();
            if (mark >= 0) {
                offsets.put(tp, new OffsetAndMetadata(mark, progress.commitMetadata()));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            kafka.commitSync(offsets, config.requestTimeout());
            noteCommitted(offsets);
        } else {
            kafka.commitAsync(offsets, (done, e) -> {
                if (e == null) {
                    noteCommitted(done);
                } else {
                    LOG.debug("consumer {}: committing offsets failed ({}); trying again", name, e.getMessage());
                }
            });
        }
    }

    private void noteCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, offset) -> {
            PartitionProgress progress = partitions.get(tp);
            if (progress != null) {
                progress.committed(offset.offset(), offset.metadata());
            }
        });
    }

    /** Forgets partitions this consumer no longer owns; their unsettled records are the new owner's. */
    private void drop(Collection<TopicPartition> tps) {
        for (TopicPartition tp : tps) {
            PartitionProgress progress = partitions.remove(tp);
            if (progress != null) {
                progress.revoke();
                unsettled.addAndGet(-progress.unsettled());
            }
            waitingUntil.remove(tp);
        }
        Set<TopicPartition> gone = Set.copyOf(tps);
        ready.removeIf(d -> gone.contains(d.partition()));
        due.removeIf(d -> gone.contains(d.delivery().partition()));
        synchronized (lanes) {
            lanes.values().removeIf(lane -> gone.contains(lane.peekFirst().partition()));
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            if (revoked.isEmpty()) {
                return;
            }
            try {
                commit(revoked, true);
            } catch (RuntimeException e) {
                LOG.warn("consumer {} could not commit the settled offsets of revoked partitions {} ({}); their new"
                        + " owner delivers those records again", name, revoked, e.getMessage());
            }
            drop(revoked);
            LOG.info("consumer {} gave up partitions {}", name, revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            drop(lost);
            LOG.warn("consumer {} lost partitions {} (it was out of the group); their new owner delivers the"
                    + " unsettled records", name, lost);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            if (assigned.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed;
            try {
                committed = kafka.committed(Set.copyOf(assigned), config.requestTimeout());
            } catch (RuntimeException e) {
                LOG.debug("consumer {}: reading committed offsets failed ({})", name, e.getMessage());
                committed = Map.of();
            }
            for (TopicPartition tp : assigned) {
                OffsetAndMetadata offset = committed.get(tp);
                Set<Long> settled = offset == null ? Set.of()
                        : PartitionProgress.settledIn(offset.offset(), offset.metadata());
                partitions.put(tp, new PartitionProgress(settled));
            }
            LOG.info("consumer {} took partitions {}", name, assigned);
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    // ---- settling, from any thread

    Instant now() {
        return queue.clock().instant();
    }

    /** Marks the delivery's record settled; its offset is committed with the next watermark. */
    void settled(KafkaDelivery delivery) {
        if (delivery.progress().settle(delivery.record().offset())) {
            unsettled.decrementAndGet();
        }
        if (inLane(delivery)) {
            leaveLane(delivery);
        }
    }

    /** A settle of {@code delivery} failed: unless a later one succeeds, deliver its record again. */
    void settleFailed(KafkaDelivery delivery) {
        abandoned.add(new Abandoned(delivery, System.nanoTime()));
    }

    /** Puts the record back at the head of the buffer, to be delivered again by this consumer. */
    void requeue(KafkaDelivery delivery) {
        if (!delivery.progress().revoked()) {
            ready.addFirst(new KafkaDelivery(this, delivery.record(), delivery.decoded(), delivery.progress(),
                    delivery.orderingKey()));
        }
    }

    /**
     * Writes the record to its retry topic, due after {@code delay}, then marks it settled; a keyed record with
     * {@code ordering = key} stays instead at the head of its key's lane and is handed out again when due.
     */
    void handBack(KafkaDelivery delivery, Duration delay, int attempt, List<AttemptFailure> history, String what) {
        if (delivery.progress().revoked()) {
            LOG.debug("{} {} did nothing: its partition was revoked and its new owner delivers it", what, delivery);
            return;
        }
        if (inLane(delivery)) {
            KafkaDelivery again = delivery.again(attempt, history);
            synchronized (lanes) {
                ArrayDeque<KafkaDelivery> lane = lanes.get(delivery.orderingKey());
                if (lane != null && lane.peekFirst().record().offset() == delivery.record().offset()) {
                    lane.pollFirst();
                    lane.addFirst(again);
                }
            }
            due.add(new Due(again, System.nanoTime() + Math.max(0, delay.toNanos())));
            return;
        }
        ConsumerRecord<byte[], byte[]> record = delivery.record();
        RecordFormat.Decoded decoded = delivery.decoded();
        long due = queue.clock().millis() + Math.max(0, delay.toMillis());
        queue.send(new ProducerRecord<>(queue.retryTopicOf(record.topic()), null, record.key(), record.value(),
                RecordFormat.encodeRetry(decoded.message(), attempt, history, due, decoded.source())),
                what + " message " + decoded.message().correlationId());
        settled(delivery);
    }

    /** Writes the record with its context to the dead-letter topic, then marks it settled. */
    void deadLetter(KafkaDelivery delivery, List<AttemptFailure> history, String reason) {
        if (delivery.progress().revoked()) {
            LOG.debug("dead-lettering {} did nothing: its partition was revoked", delivery);
            return;
        }
        ConsumerRecord<byte[], byte[]> record = delivery.record();
        RecordFormat.Decoded decoded = delivery.decoded();
        queue.send(new ProducerRecord<>(queue.deadLetterTopic(), null, record.key(), record.value(),
                RecordFormat.encodeDeadLetter(record, decoded.message(), delivery.attempt(), history, reason, now(),
                        decoded.source())), "dead-lettering message " + decoded.message().correlationId());
        settled(delivery);
    }

    /** Records fetched and not settled. */
    int unsettled() {
        return unsettled.get();
    }

    /** Stops polling, commits what is settled and leaves the group. Unsettled records are delivered again. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        kafka.wakeup();
        try {
            poller.join(CLOSE_TIMEOUT.multipliedBy(2).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ready.clear();
        due.clear();
        synchronized (lanes) {
            lanes.clear();
        }
        queue.closed(this);
    }
}
