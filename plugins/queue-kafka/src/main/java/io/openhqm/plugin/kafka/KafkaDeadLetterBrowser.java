package io.openhqm.plugin.kafka;

import io.openhqm.api.HqmException;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterBrowser;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the dead-letter topic with a consumer outside any group, opened per call: {@link #newest} reads the last
 * {@code limit} records of every partition and returns the most recently dead-lettered first; {@link #count} is the
 * sum of end minus start offsets (what retention has not deleted yet). Thread-safe.
 */
final class KafkaDeadLetterBrowser implements DeadLetterBrowser {
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaClients clients;
    private final String topic;
    private final String clientId;

    KafkaDeadLetterBrowser(KafkaClients clients, String topic, String instanceId) {
        this.clients = clients;
        this.topic = topic;
        this.clientId = instanceId + "-dead-letters";
    }

    @Override
    public List<DeadLetter> newest(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit is negative: " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        try (KafkaConsumer<byte[], byte[]> reader = clients.reader(clientId)) {
            List<TopicPartition> partitions = partitions(reader);
            reader.assign(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            Map<TopicPartition, Long> starts = reader.beginningOffsets(partitions);
            Map<TopicPartition, Long> remaining = new HashMap<>();
            for (TopicPartition tp : partitions) {
                long from = Math.max(starts.get(tp), ends.get(tp) - limit);
                if (from < ends.get(tp)) {
                    reader.seek(tp, from);
                    remaining.put(tp, ends.get(tp));
                }
            }
            reader.pause(partitions.stream().filter(tp -> !remaining.containsKey(tp)).toList());
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + clients.config().requestTimeout().toNanos();
            while (!remaining.isEmpty() && System.nanoTime() - deadline < 0) {
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(POLL)) {
                    records.add(record);
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() + 1 >= remaining.getOrDefault(tp, Long.MAX_VALUE)) {
                        remaining.remove(tp);
                        reader.pause(List.of(tp));
                    }
                }
            }
            return records.stream().map(KafkaDeadLetterBrowser::deadLetter)
                    .sorted(Comparator.comparing(DeadLetter::deadLetteredAt).reversed()).limit(limit).toList();
        } catch (KafkaException e) {
            throw clients.failure("reading the dead-letter topic " + topic, e);
        }
    }

    @Override
    public long count() {
        try (KafkaConsumer<byte[], byte[]> reader = clients.reader(clientId)) {
            List<TopicPartition> partitions = partitions(reader);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            Map<TopicPartition, Long> starts = reader.beginningOffsets(partitions);
            return partitions.stream().mapToLong(tp -> ends.get(tp) - starts.get(tp)).sum();
        } catch (KafkaException e) {
            throw clients.failure("counting the dead-letter topic " + topic, e);
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> reader) {
        List<PartitionInfo> infos = reader.partitionsFor(topic);
        if (infos == null) {
            throw HqmException.transientFailure("the dead-letter topic " + topic + " does not exist", null);
        }
        return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private static DeadLetter deadLetter(ConsumerRecord<byte[], byte[]> record) {
        RecordFormat.Decoded decoded = RecordFormat.decode(record);
        String reason = RecordFormat.header(record.headers(), RecordFormat.DLQ_REASON);
        String at = RecordFormat.header(record.headers(), RecordFormat.DLQ_AT);
        Instant when;
        try {
            when = at == null ? Instant.ofEpochMilli(record.timestamp()) : Instant.ofEpochMilli(Long.parseLong(at));
        } catch (NumberFormatException e) {
            when = Instant.ofEpochMilli(record.timestamp());
        }
        return new DeadLetter(decoded.message(), reason == null ? "" : reason, decoded.history(), when);
    }
}
