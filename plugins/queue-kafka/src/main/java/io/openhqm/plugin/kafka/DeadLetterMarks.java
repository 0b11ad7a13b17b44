package io.openhqm.plugin.kafka;

import io.openhqm.api.HqmException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * This process's copy of the dead-letter state topic ({@code <queue.dlq_name>.state}, compacted): records keyed by a
 * dead letter's id ({@code <partition>-<offset>} in the dead-letter topic) whose value is {@code redriven} or
 * {@code deleted}; a tombstone forgets a mark once its dead letter left the topic. Kafka cannot remove one record
 * from a topic, so a marked dead letter stays in the dead-letter topic until retention and is skipped by every
 * reader. {@link #catchUp} reads the committed records written since the last call up to the topic's end, so a
 * mark is seen at once by the process that wrote it and by any other once Kafka has written the transaction's commit
 * markers (just after the commit returns). A missing topic holds no marks. Thread-safe.
 */
final class DeadLetterMarks implements AutoCloseable {
    static final String REDRIVEN = "redriven";
    static final String DELETED = "deleted";
    private static final Duration POLL = Duration.ofMillis(100);

    /** A dead letter's place in the dead-letter topic, written {@code <partition>-<offset>}. */
    record Id(int partition, long offset) {
        private static final Pattern FORM = Pattern.compile("(\\d{1,9})-(\\d{1,18})");

        /** The id {@code text} stands for, or {@code null} if it is not of this form. */
        static Id parse(String text) {
            Matcher m = text == null ? null : FORM.matcher(text);
            return m == null || !m.matches() ? null
                    : new Id(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
        }

        @Override
        public String toString() {
            return partition + "-" + offset;
        }
    }

    private final KafkaClients clients;
    private final String topic;
    private final String clientId;
    // Guarded by this.
    private final Map<Id, String> marks = new HashMap<>();
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private KafkaConsumer<byte[], byte[]> reader;

    DeadLetterMarks(KafkaClients clients, String topic, String clientId) {
        this.clients = clients;
        this.topic = topic;
        this.clientId = clientId;
    }

    String topic() {
        return topic;
    }

    /** Whether the topic exists (a mark can be written). */
    synchronized boolean exists() {
        return !partitions().isEmpty();
    }

    /** Reads the marks written since the last call, up to the end the topic has now. */
    synchronized void catchUp() {
        try {
            List<TopicPartition> all = partitions();
            if (all.isEmpty()) {
                return;
            }
            if (!reader().assignment().containsAll(all)) {
                reader.assign(all);
                for (TopicPartition tp : all) {
                    reader.seek(tp, positions.getOrDefault(tp, 0L));
                }
            }
            Map<TopicPartition, Long> ends = reader.endOffsets(all);
            long deadline = clients.deadline();
            while (all.stream().anyMatch(tp -> reader.position(tp) < ends.get(tp))) {
                if (System.nanoTime() - deadline > 0) {
                    throw HqmException.transientFailure("reading the dead-letter state topic " + topic
                            + " did not reach its end within " + clients.config().requestTimeout().toMillis()
                            + " ms", null);
                }
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(POLL)) {
                    Id id = Id.parse(record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8));
                    if (id == null) {
                        continue;
                    }
                    if (record.value() == null) {
                        marks.remove(id);
                    } else {
                        marks.put(id, new String(record.value(), StandardCharsets.UTF_8));
                    }
                }
            }
            all.forEach(tp -> positions.put(tp, reader.position(tp)));
        } catch (KafkaException e) {
            closeReader();
            throw clients.failure("reading the dead-letter state topic " + topic, e);
        }
    }

    synchronized boolean marked(Id id) {
        return marks.containsKey(id);
    }

    /** Notes a mark this process wrote (or a tombstone: {@code mark == null}) before reading it back. */
    synchronized void put(Id id, String mark) {
        if (mark == null) {
            marks.remove(id);
        } else {
            marks.put(id, mark);
        }
    }

    /** How many marks fall in {@code [start, end)} of the dead-letter partition {@code partition}. */
    synchronized long markedWithin(int partition, long start, long end) {
        return marks.keySet().stream()
                .filter(id -> id.partition() == partition && id.offset() >= start && id.offset() < end).count();
    }

    /** The marks below {@code starts} (partition → start offset of the dead-letter topic): their records are gone. */
    synchronized Set<Id> below(Map<Integer, Long> starts) {
        return Set.copyOf(marks.keySet().stream()
                .filter(id -> id.offset() < starts.getOrDefault(id.partition(), 0L)).toList());
    }

    private List<TopicPartition> partitions() {
        List<PartitionInfo> infos = reader().partitionsFor(topic);
        return infos == null ? List.of() : infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private KafkaConsumer<byte[], byte[]> reader() {
        if (reader == null) {
            reader = clients.reader(clientId);
        }
        return reader;
    }

    private void closeReader() {
        if (reader != null) {
            reader.close(Duration.ofSeconds(1));
            reader = null;
        }
    }

    @Override
    public synchronized void close() {
        closeReader();
    }
}
