package io.openhqm.plugin.kafka;

import io.openhqm.api.HqmException;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.DeadLetterEntry;
import io.openhqm.api.queue.DeadLetterFilter;
import io.openhqm.api.queue.DeadLetterPage;
import io.openhqm.plugin.kafka.DeadLetterMarks.Id;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * The dead letters of the topic {@code queue.dlq_name}. A dead letter's id is {@code <partition>-<offset>} of its
 * record. Kafka cannot remove one record, so a redriven or deleted dead letter is marked in the compacted state topic
 * {@code <queue.dlq_name>.state} ({@link DeadLetterMarks}) and skipped by every reader of every process; whole
 * ranges go for good with {@code deleteRecords} (a purge of all, a trim by age).
 *
 * <p>The topic is read with one consumer outside any group, kept open and used by one call at a time. A listing
 * reads each partition backwards in chunks and merges them newest
 * first by the time each record was dead-lettered; its cursor is each partition's offset below which the next page
 * starts, so records added later are never listed by later pages. It returns a shorter page with a cursor once it
 * has examined {@value #SCAN_BOUND} records. A redrive writes the record back to the retry topic of the topic it was
 * first consumed from (attempt 1, no history, due now, same key, value, headers and correlation id) and its
 * {@code redriven} mark in one transaction, so a reader of committed records (the pool's consumers are) sees both or
 * neither. Writes of one browser are serialized; two processes redriving the same dead letter at the same instant
 * may both queue it. Thread-safe.
 */
final class KafkaDeadLetterBrowser implements DeadLetterBrowser, AutoCloseable {
    static final int SCAN_BOUND = 10_000;
    private static final int CHUNK = 500;
    private static final int BATCH = 500;
    /** How much earlier than its record's timestamp a dead letter's own time may be (the clocks of two processes). */
    private static final long CLOCK_SLACK_MS = 60_000;
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Pattern CURSOR = Pattern.compile("\\d{1,9}:\\d{1,18}(\\.\\d{1,9}:\\d{1,18})*");
    private static final Comparator<Read> NEWEST_FIRST = Comparator
            .comparing((Read r) -> r.letter().deadLetteredAt())
            .thenComparingLong(r -> r.record().offset())
            .thenComparingInt(r -> r.record().partition()).reversed();

    private record Read(ConsumerRecord<byte[], byte[]> record, DeadLetter letter) {
    }

    /** One partition of a listing: records above {@code position} are listed, those below are still to come. */
    private static final class Lane {
        final TopicPartition tp;
        final long start;
        long position;
        long fetchedFrom;
        final ArrayDeque<Read> buffer = new ArrayDeque<>(); // newest (highest offset) first
        boolean done;

        Lane(TopicPartition tp, long start, long position) {
            this.tp = tp;
            this.start = start;
            this.position = position;
            this.fetchedFrom = position;
            this.done = position <= start;
        }
    }

    private final KafkaClients clients;
    private final Admin admin;
    private final String topic;
    private final String clientId;
    private final String transactionalId;
    private final UnaryOperator<String> retryTopicOf;
    private final DeadLetterMarks marks;
    private KafkaProducer<byte[], byte[]> producer; // guarded by this
    private final Object readerLock = new Object();
    private KafkaConsumer<byte[], byte[]> reader; // guarded by readerLock

    /**
     * @param retryTopicOf the retry topic of a consumed topic, where a dead letter first consumed from it goes back
     */
    KafkaDeadLetterBrowser(KafkaClients clients, Admin admin, String topic, String instanceId,
                           UnaryOperator<String> retryTopicOf) {
        this.clients = clients;
        this.admin = admin;
        this.topic = topic;
        this.clientId = instanceId + "-dead-letters";
        this.transactionalId = instanceId + "-" + topic;
        this.retryTopicOf = retryTopicOf;
        this.marks = new DeadLetterMarks(clients, stateTopic(topic), instanceId + "-dead-letter-state");
    }

    /** The state topic of the dead-letter topic {@code topic}. */
    static String stateTopic(String topic) {
        return topic + ".state";
    }

    @Override
    public List<DeadLetter> newest(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit is negative: " + limit);
        }
        return limit == 0 ? List.of()
                : list(DeadLetterFilter.ALL, limit, null).entries().stream().map(DeadLetterEntry::letter).toList();
    }

    @Override
    public long count() {
        marks.catchUp();
        return withReader("counting the dead-letter topic " + topic, reader -> {
            List<TopicPartition> partitions = assigned(reader);
            Map<TopicPartition, Long> starts = reader.beginningOffsets(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            return partitions.stream().mapToLong(tp -> ends.get(tp) - starts.get(tp)
                    - marks.markedWithin(tp.partition(), starts.get(tp), ends.get(tp))).sum();
        });
    }

    @Override
    public DeadLetterPage list(DeadLetterFilter filter, int limit, String cursor) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        Map<Integer, Long> bounds = cursor == null ? null : parseCursor(cursor);
        long oldest = filter.since() == null ? Long.MIN_VALUE : filter.since().toEpochMilli() - CLOCK_SLACK_MS;
        marks.catchUp();
        return withReader("reading the dead-letter topic " + topic, reader -> {
            List<TopicPartition> partitions = assigned(reader);
            reader.pause(partitions);
            Map<TopicPartition, Long> starts = reader.beginningOffsets(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            List<Lane> lanes = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                long end = ends.get(tp);
                long position = bounds == null ? end : Math.min(end, bounds.getOrDefault(tp.partition(), 0L));
                lanes.add(new Lane(tp, starts.get(tp), Math.max(starts.get(tp), position)));
            }
            List<DeadLetterEntry> page = new ArrayList<>();
            int examined = 0;
            while (true) {
                Lane newest = null;
                for (Lane lane : lanes) {
                    fill(reader, lane);
                    if (!lane.buffer.isEmpty() && (newest == null
                            || NEWEST_FIRST.compare(lane.buffer.peekFirst(), newest.buffer.peekFirst()) < 0)) {
                        newest = lane;
                    }
                }
                if (newest == null) {
                    return new DeadLetterPage(page, null);
                }
                Read read = newest.buffer.peekFirst();
                if (read.record().timestamp() < oldest) {
                    newest.buffer.clear(); // the rest of this partition was dead-lettered earlier still
                    newest.done = true;
                    newest.position = newest.start;
                    continue;
                }
                Id id = new Id(read.record().partition(), read.record().offset());
                if (!marks.marked(id) && filter.matches(read.letter())) {
                    if (page.size() == limit) {
                        return new DeadLetterPage(page, cursor(lanes));
                    }
                    page.add(new DeadLetterEntry(id.toString(), read.letter()));
                }
                newest.buffer.pollFirst();
                newest.position = read.record().offset();
                if (++examined >= SCAN_BOUND) {
                    return new DeadLetterPage(page, cursor(lanes));
                }
            }
        });
    }

    @Override
    public Optional<DeadLetterEntry> get(String id) {
        Id at = Id.parse(id);
        if (at == null) {
            return Optional.empty();
        }
        marks.catchUp();
        if (marks.marked(at)) {
            return Optional.empty();
        }
        return read(at).map(record -> new DeadLetterEntry(at.toString(), deadLetter(record)));
    }

    @Override
    public synchronized boolean redrive(String id) {
        Id at = Id.parse(id);
        if (at == null) {
            return false;
        }
        marks.catchUp();
        if (marks.marked(at)) {
            return false;
        }
        Optional<ConsumerRecord<byte[], byte[]>> found = read(at);
        if (found.isEmpty()) {
            return false;
        }
        ConsumerRecord<byte[], byte[]> record = found.get();
        RecordFormat.Decoded decoded = RecordFormat.decode(record);
        ProducerRecord<byte[], byte[]> back = new ProducerRecord<>(retryTopicOf.apply(decoded.source().topic()), null,
                record.key(), record.value(), RecordFormat.encodeRetry(decoded.message(), 1, List.of(), 0,
                        decoded.source()));
        inTransaction(List.of(back, mark(at, DeadLetterMarks.REDRIVEN)), "redriving dead letter " + at);
        marks.put(at, DeadLetterMarks.REDRIVEN);
        return true;
    }

    @Override
    public synchronized boolean delete(String id) {
        Id at = Id.parse(id);
        if (at == null) {
            return false;
        }
        marks.catchUp();
        return !marks.marked(at) && read(at).isPresent() && markDeleted(List.of(at)) == 1;
    }

    /** All: {@code deleteRecords} up to the end of every partition; filtered: a {@code deleted} mark per match. */
    @Override
    public long purge(DeadLetterFilter filter) {
        if (filter.equals(DeadLetterFilter.ALL)) {
            return removeBefore(withReader("purging the dead-letter topic " + topic,
                    reader -> reader.endOffsets(assigned(reader))));
        }
        return markMatches(filter, 0);
    }

    /**
     * By age: {@code deleteRecords} below the first record of each partition whose timestamp is at or after
     * {@code olderThan}; by count: {@code deleted} marks for the oldest beyond {@code maxCount}.
     */
    @Override
    public long trim(Instant olderThan, long maxCount) {
        if (maxCount < 0) {
            throw new IllegalArgumentException("maxCount must not be negative, was " + maxCount);
        }
        long removed = 0;
        if (olderThan != null) {
            removed += removeBefore(withReader("trimming the dead-letter topic " + topic + " by age", reader -> {
                List<TopicPartition> partitions = assigned(reader);
                Map<TopicPartition, OffsetAndTimestamp> found = reader.offsetsForTimes(partitions.stream().collect(
                        Collectors.toMap(tp -> tp, tp -> Math.max(0, olderThan.toEpochMilli()))));
                Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
                Map<TopicPartition, Long> before = new HashMap<>();
                partitions.forEach(tp -> before.put(tp, found.get(tp) == null ? ends.get(tp)
                        : found.get(tp).offset()));
                return before;
            }));
        }
        if (maxCount != Long.MAX_VALUE && count() > maxCount) {
            removed += markMatches(DeadLetterFilter.ALL, maxCount);
        }
        return removed;
    }

    /** Marks deleted the dead letters that match {@code filter}, all but the newest {@code keep}. */
    private long markMatches(DeadLetterFilter filter, long keep) {
        long kept = 0;
        long removed = 0;
        String cursor = null;
        do {
            DeadLetterPage page = list(filter, BATCH, cursor);
            List<Id> ids = new ArrayList<>();
            for (DeadLetterEntry entry : page.entries()) {
                if (kept < keep) {
                    kept++;
                } else {
                    ids.add(Id.parse(entry.id()));
                }
            }
            removed += markDeleted(ids);
            cursor = page.nextCursor();
        } while (cursor != null);
        return removed;
    }

    private synchronized long markDeleted(List<Id> ids) {
        List<Id> fresh = ids.stream().filter(id -> !marks.marked(id)).toList();
        if (!fresh.isEmpty()) {
            inTransaction(fresh.stream().map(id -> mark(id, DeadLetterMarks.DELETED)).toList(),
                    "deleting " + fresh.size() + " dead letter(s)");
            fresh.forEach(id -> marks.put(id, DeadLetterMarks.DELETED));
        }
        return fresh.size();
    }

    /**
     * Deletes the records below {@code before} for good and forgets the marks of records no longer in the topic;
     * returns how many unmarked records went.
     */
    private synchronized long removeBefore(Map<TopicPartition, Long> before) {
        marks.catchUp();
        Map<TopicPartition, Long> starts = withReader("reading the start of " + topic, reader -> {
            reader.assign(before.keySet());
            return reader.beginningOffsets(before.keySet());
        });
        Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
        Map<Integer, Long> newStarts = new HashMap<>();
        long removed = 0;
        for (Map.Entry<TopicPartition, Long> e : before.entrySet()) {
            long start = starts.get(e.getKey());
            long end = e.getValue();
            newStarts.put(e.getKey().partition(), Math.max(start, end));
            if (end > start) {
                removed += end - start - marks.markedWithin(e.getKey().partition(), start, end);
                delete.put(e.getKey(), RecordsToDelete.beforeOffset(end));
            }
        }
        if (!delete.isEmpty()) {
            clients.await(admin.deleteRecords(delete).all(), "deleting dead letters from " + topic);
        }
        Collection<Id> gone = marks.below(newStarts);
        if (!gone.isEmpty()) {
            inTransaction(gone.stream().map(id -> mark(id, null)).toList(), "forgetting marks of " + topic);
            gone.forEach(id -> marks.put(id, null));
        }
        return removed;
    }

    private ProducerRecord<byte[], byte[]> mark(Id id, String mark) {
        return new ProducerRecord<>(marks.topic(), id.toString().getBytes(StandardCharsets.UTF_8),
                mark == null ? null : mark.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code records} in one transaction: all of them are committed, or none. */
    private synchronized void inTransaction(List<ProducerRecord<byte[], byte[]>> records, String what) {
        if (!marks.exists()) {
            throw HqmException.transientFailure(what + " failed: the dead-letter state topic " + marks.topic()
                    + " does not exist; create it with cleanup.policy=compact (queue.kafka.create_topics does)",
                    null);
        }
        KafkaProducer<byte[], byte[]> p = transactionalProducer(what);
        try {
            p.beginTransaction();
            records.forEach(p::send);
            p.commitTransaction();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                 | UnsupportedVersionException e) {
            closeProducer();
            throw clients.failure(what, e);
        } catch (KafkaException e) {
            try {
                p.abortTransaction();
            } catch (KafkaException abortFailed) {
                closeProducer(); // the broker aborts the transaction when it times out, unless it was committed
            }
            throw clients.failure(what, e);
        }
    }

    private KafkaProducer<byte[], byte[]> transactionalProducer(String what) {
        if (producer == null) {
            KafkaProducer<byte[], byte[]> p = clients.producer(clientId + "-writer", transactionalId);
            try {
                p.initTransactions();
            } catch (KafkaException e) {
                p.close(Duration.ZERO);
                throw clients.failure(what, e);
            }
            producer = p;
        }
        return producer;
    }

    private void closeProducer() {
        if (producer != null) {
            producer.close(Duration.ZERO);
            producer = null;
        }
    }

    /** The record {@code at}, if the dead-letter topic still holds it. */
    private Optional<ConsumerRecord<byte[], byte[]>> read(Id at) {
        return withReader("reading dead letter " + at + " of " + topic, reader -> {
            if (at.partition() >= partitions(reader).size()) {
                return Optional.empty();
            }
            TopicPartition tp = new TopicPartition(topic, at.partition());
            reader.assign(List.of(tp));
            if (at.offset() < reader.beginningOffsets(List.of(tp)).get(tp)
                    || at.offset() >= reader.endOffsets(List.of(tp)).get(tp)) {
                return Optional.empty();
            }
            return readRange(reader, tp, at.offset(), at.offset() + 1).stream()
                    .filter(r -> r.offset() == at.offset()).findFirst();
        });
    }

    /** Fills the lane's buffer with the chunk below what it fetched, unless the partition is exhausted. */
    private void fill(KafkaConsumer<byte[], byte[]> reader, Lane lane) {
        while (lane.buffer.isEmpty() && !lane.done) {
            if (lane.fetchedFrom <= lane.start) {
                lane.done = true;
                return;
            }
            long from = Math.max(lane.start, lane.fetchedFrom - CHUNK);
            List<ConsumerRecord<byte[], byte[]>> chunk = readRange(reader, lane.tp, from, lane.fetchedFrom);
            lane.fetchedFrom = from;
            for (ConsumerRecord<byte[], byte[]> record : chunk.reversed()) {
                lane.buffer.addLast(new Read(record, deadLetter(record)));
            }
        }
    }

    /** The records of {@code tp} in {@code [from, to)}, the other assigned partitions paused. */
    private List<ConsumerRecord<byte[], byte[]>> readRange(KafkaConsumer<byte[], byte[]> reader, TopicPartition tp,
                                                           long from, long to) {
        reader.resume(List.of(tp));
        reader.seek(tp, from);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        long deadline = clients.deadline();
        while (reader.position(tp) < to) {
            if (System.nanoTime() - deadline > 0) {
                throw HqmException.transientFailure("reading the dead-letter topic " + topic + " did not reach offset "
                        + to + " of partition " + tp.partition() + " within "
                        + clients.config().requestTimeout().toMillis() + " ms", null);
            }
            for (ConsumerRecord<byte[], byte[]> record : reader.poll(POLL).records(tp)) {
                if (record.offset() >= from && record.offset() < to) {
                    out.add(record);
                }
            }
        }
        reader.pause(List.of(tp));
        return out;
    }

    /**
     * Runs {@code body} with this browser's reader of the dead-letter topic (one at a time; opened on first use and
     * again after a Kafka failure, which becomes an {@link HqmException} about {@code what}).
     */
    private <T> T withReader(String what, Function<KafkaConsumer<byte[], byte[]>, T> body) {
        synchronized (readerLock) {
            if (reader == null) {
                reader = clients.reader(clientId);
            }
            try {
                return body.apply(reader);
            } catch (KafkaException e) {
                closeReader();
                throw clients.failure(what, e);
            }
        }
    }

    private void closeReader() {
        synchronized (readerLock) {
            if (reader != null) {
                reader.close(Duration.ofSeconds(1));
                reader = null;
            }
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> reader) {
        List<PartitionInfo> infos = reader.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw HqmException.transientFailure("the dead-letter topic " + topic + " does not exist", null);
        }
        return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /** The partitions of the dead-letter topic, assigned to {@code reader} (its offset lookups need that). */
    private List<TopicPartition> assigned(KafkaConsumer<byte[], byte[]> reader) {
        List<TopicPartition> partitions = partitions(reader);
        reader.assign(partitions);
        return partitions;
    }

    private static String cursor(List<Lane> lanes) {
        return lanes.stream().map(l -> l.tp.partition() + ":" + l.position).collect(Collectors.joining("."));
    }

    private static Map<Integer, Long> parseCursor(String cursor) {
        if (!CURSOR.matcher(cursor).matches()) {
            throw HqmException.input("\"" + cursor + "\" is not a cursor of this dead-letter queue");
        }
        Map<Integer, Long> bounds = new HashMap<>();
        for (String part : cursor.split("\\.")) {
            int colon = part.indexOf(':');
            bounds.put(Integer.parseInt(part.substring(0, colon)), Long.parseLong(part.substring(colon + 1)));
        }
        return bounds;
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

    @Override
    public synchronized void close() {
        closeProducer();
        closeReader();
        marks.close();
    }
}
