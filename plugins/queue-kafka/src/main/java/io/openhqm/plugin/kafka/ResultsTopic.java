package io.openhqm.plugin.kafka;

import io.openhqm.api.Health;
import io.openhqm.api.HqmException;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's copy of the results topic ({@code queue.kafka.results_topic}): a consumer outside any group, assigned
 * every partition, reads the topic from the beginning and then follows it, applying each record in log order to an
 * in-memory map; the same records, in the same order, give every process the same state. Entries expire
 * {@code results.ttl_seconds} after the record's timestamp (the topic's {@code retention.ms} is the same).
 *
 * <p>Records are keyed {@code result:<id>} (a {@link RequestRecord}) or {@code idem:<key>} (an
 * {@link IdempotencyClaim}), so all records of one key are in one partition, in the order written; the header
 * {@code hqm-op} says what a record does:
 * <ul>
 *   <li>{@code put}: stores the record unless the stored one is terminal (a terminal record is final);</li>
 *   <li>{@code reopen}: stores it whatever is stored (redrive);</li>
 *   <li>{@code restore}: rewrites a terminal record after a {@code put} that it outlived, so that compaction, which
 *   keeps a key's newest record, never keeps the ignored one; written by the process that wrote the ignored put;</li>
 *   <li>{@code discard}: removes a PENDING record with no attempt started;</li>
 *   <li>{@code claim}: binds an idempotency key unless it is bound; {@code release}: unbinds it if still bound to
 *   that claim.</li>
 * </ul>
 * A process sees its own puts at once: until the consumer reaches a put's offset, it is kept aside and read through
 * the same rule. Claims, releases and discards complete once the consumer has read them back, so their outcome is
 * the one every process computes.
 *
 * <p>Thread-safe: the consumer thread and completed writes change the state under this object's lock; callers'
 * futures are completed outside it, on threads of their own. Shared per process ({@link io.openhqm.api.PluginContext#shared}); closing it stops the
 * consumer and fails pending waits.
 */
final class ResultsTopic implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResultsTopic.class);
    private static final Duration CATCH_UP_LIMIT = Duration.ofSeconds(60);
    private static final long CHECK_EVERY_MS = 1000;
    private static final int EXPIRY_LOOK_AHEAD = 1000;
    private static final String OP = "hqm-op";
    private static final String WRITER = "hqm-writer";
    private static final String RESTORES = "hqm-restores";
    private static final String RESULT_PREFIX = "result:";
    private static final String CLAIM_PREFIX = "idem:";

    /** A record as this process holds it: what is stored, where it was written, and until when. */
    private record Entry(RequestRecord record, long offset, boolean reopened, long expiresAtMs) {
    }

    /** One of this process's puts that the consumer has not read back yet. */
    private record Pending(RequestRecord record, TopicPartition partition, long offset, boolean reopen,
                           long expiresAtMs) {
    }

    /** One of this process's writes as it was sent: the record as decoding its value gives it, and that value. */
    private record Sent(RequestRecord record, byte[] value, long expiresAtMs) {
    }

    private record Claim(IdempotencyClaim claim, long expiresAtMs) {
    }

    private record OffsetWaiter(long position, CompletableFuture<Void> done) {
    }

    private final KafkaClients clients;
    private final String topic;
    private final long ttlMs;
    private final Clock clock;
    private final String instanceId;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Admin admin;
    private final Thread reader;
    /**
     * Completes callers' futures: never the producer's I/O thread (a caller's next send would wait there for metadata
     * that thread must fetch) nor the consumer thread.
     */
    private final ExecutorService completions = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("hqm-kafka-results-done-", 0).factory());
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
            Thread.ofPlatform().name("hqm-kafka-results-wait").daemon(true).factory());

    // Guarded by this. Records and claims in the order they were last written, so expiry looks at the oldest only.
    private final LinkedHashMap<String, Entry> records = new LinkedHashMap<>();
    private final Map<String, Pending> pending = new HashMap<>();
    private final LinkedHashMap<String, Claim> claims = new LinkedHashMap<>();
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private final Map<TopicPartition, List<OffsetWaiter>> offsetWaiters = new HashMap<>();
    private long ownWritesNotDecoded;

    /** This process's put and reopen writes that the consumer has not applied yet, by id (the latest per id). */
    private final Map<String, Sent> sent = new ConcurrentHashMap<>();
    private final Map<String, Set<CompletableFuture<Optional<RequestRecord>>>> waiters = new ConcurrentHashMap<>();
    /** Completes once the topic was read up to the end it had at start; fails when Kafka proved unreachable. */
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private volatile Map<TopicPartition, Long> catchUpTo = Map.of();
    private volatile boolean readToStartEnd;
    private final long startedNanos = System.nanoTime();
    private volatile long lastContactMs = -1;
    private volatile long lag = -1;
    private volatile String problem = "not connected yet";
    private volatile boolean running = true;

    ResultsTopic(KafkaClients clients, KafkaProducer<byte[], byte[]> producer, Duration ttl, Clock clock,
                 String instanceId) {
        this.clients = clients;
        this.topic = clients.config().resultsTopic();
        this.ttlMs = Math.max(1, ttl.toMillis());
        this.clock = clock;
        this.instanceId = instanceId;
        this.producer = producer;
        timer.setRemoveOnCancelPolicy(true);
        this.admin = clients.admin(instanceId + "-results-admin");
        if (clients.config().createTopics()) {
            createTopic();
        }
        this.consumer = clients.reader(instanceId + "-results");
        this.reader = Thread.ofPlatform().name("hqm-kafka-results").daemon(true).unstarted(this::run);
        reader.setContextClassLoader(ResultsTopic.class.getClassLoader());
        reader.start();
        awaitCatchUp();
    }

    private void createTopic() {
        NewTopic create = new NewTopic(topic, Optional.of(clients.config().partitions()), Optional.empty())
                .configs(Map.of("cleanup.policy", "compact,delete", "retention.ms", Long.toString(ttlMs)));
        try {
            clients.await(admin.createTopics(List.of(create)).all(), "creating topic " + topic);
            LOG.info("created the results topic {} (compact,delete; retention {} ms)", topic, ttlMs);
        } catch (HqmException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.warn("could not create the results topic {} ({}); create it yourself with cleanup.policy ="
                        + " compact,delete and retention.ms = {}", topic, e.getMessage(), ttlMs);
            }
        }
    }

    /** Waits until the records that were in the topic at start are applied, or Kafka proved unreachable. */
    private void awaitCatchUp() {
        try {
            caughtUp.get(CATCH_UP_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("results topic {} read up to its end ({} record(s) live) at {}", topic, size(), clients.servers());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("results topic {} not read up to its end yet ({}); statuses may be missing until it is",
                    topic, problem);
        }
    }

    private synchronized int size() {
        return records.size();
    }

    // ---- the consumer thread

    private void run() {
        long nextCheck = 0;
        while (running) {
            try {
                if (consumer.assignment().isEmpty()) {
                    assign();
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    apply(r);
                }
                advance();
                long now = System.currentTimeMillis();
                if (now >= nextCheck) {
                    nextCheck = now + CHECK_EVERY_MS;
                    check();
                    expire();
                }
            } catch (WakeupException e) {
                // close() interrupts a poll
            } catch (RuntimeException e) {
                problem = "reading " + topic + " failed: " + e.getMessage();
                lastContactMs = -1;
                LOG.warn("reading the results topic {} failed: {}", topic, e.toString());
                sleep(1000);
            }
        }
        consumer.close(Duration.ofSeconds(2));
    }

    private void assign() {
        List<PartitionInfo> partitions;
        try {
            partitions = consumer.partitionsFor(topic, clients.config().requestTimeout());
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            problem = "Kafka at " + clients.servers() + " did not answer";
            if (!caughtUp.isDone()) {
                caughtUp.completeExceptionally(e);
            }
            return;
        }
        if (partitions == null || partitions.isEmpty()) {
            // A topic created a moment ago may not be in the broker's metadata yet.
            problem = "the results topic " + topic + " does not exist";
            if (!caughtUp.isDone() && System.nanoTime() - startedNanos > clients.config().requestTimeout().toNanos()) {
                caughtUp.completeExceptionally(new IllegalStateException(problem));
            }
            sleep(200);
            return;
        }
        List<TopicPartition> assigned = partitions.stream().map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
        catchUpTo = consumer.endOffsets(assigned, clients.config().requestTimeout());
        lastContactMs = System.currentTimeMillis();
    }

    /** Publishes the consumer's positions: completes offset waiters and drops puts that the consumer has read. */
    private void advance() {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        Map<TopicPartition, Long> now = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            now.put(tp, consumer.position(tp, clients.config().requestTimeout()));
        }
        synchronized (this) {
            positions.putAll(now);
            offsetWaiters.forEach((tp, list) -> {
                long position = positions.getOrDefault(tp, 0L);
                list.removeIf(w -> {
                    if (w.position() <= position) {
                        done.add(w.done());
                        return true;
                    }
                    return false;
                });
            });
            pending.values().removeIf(p -> p.offset() < positions.getOrDefault(p.partition(), 0L));
        }
        done.forEach(f -> later(() -> f.complete(null)));
        if (!readToStartEnd && !catchUpTo.isEmpty()
                && catchUpTo.entrySet().stream().allMatch(e -> now.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
            readToStartEnd = true;
            caughtUp.complete(null);
        }
    }

    /** Asks the broker for the end offsets: whether Kafka answers, and how far behind this copy is. */
    private void check() {
        try {
            Set<TopicPartition> assigned = consumer.assignment();
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, Duration.ofMillis(CHECK_EVERY_MS));
            long behind = 0;
            synchronized (this) {
                for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                    behind += Math.max(0, e.getValue() - positions.getOrDefault(e.getKey(), 0L));
                }
            }
            lag = behind;
            lastContactMs = System.currentTimeMillis();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            problem = "Kafka at " + clients.servers() + " did not answer within " + CHECK_EVERY_MS + " ms";
        }
    }

    /**
     * Drops what expired from the oldest end of the records and claims, looking past at most
     * {@link #EXPIRY_LOOK_AHEAD} live ones (a record written with a clock ahead of the others'), not at all of them:
     * reads ignore an expired entry still held, so this only frees memory.
     */
    private void expire() {
        long now = clock.millis();
        synchronized (this) {
            dropExpired(records.values(), Entry::expiresAtMs, now);
            pending.values().removeIf(p -> p.expiresAtMs() <= now);
            dropExpired(claims.values(), Claim::expiresAtMs, now);
        }
        sent.values().removeIf(s -> s.expiresAtMs() <= now);
    }

    private static <T> void dropExpired(Collection<T> oldestFirst, ToLongFunction<T> expiresAtMs, long now) {
        int live = 0;
        for (Iterator<T> it = oldestFirst.iterator(); it.hasNext() && live < EXPIRY_LOOK_AHEAD; ) {
            if (expiresAtMs.applyAsLong(it.next()) <= now) {
                it.remove();
            } else {
                live++;
            }
        }
    }

    /** Applies one record of the topic, in log order. */
    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null || r.value() == null) {
            return;
        }
        String key = new String(r.key(), StandardCharsets.UTF_8);
        String op = header(r.headers(), OP);
        long expiresAt = r.timestamp() + ttlMs;
        boolean live = expiresAt > clock.millis();
        RequestRecord finished = null;
        RequestRecord restore = null;
        long restores = -1;
        try {
            synchronized (this) {
                if (key.startsWith(CLAIM_PREFIX)) {
                    String name = key.substring(CLAIM_PREFIX.length());
                    IdempotencyClaim claim = ResultFormat.decodeClaim(name, r.value());
                    Claim held = claims.get(name);
                    boolean heldLive = held != null && held.expiresAtMs() > clock.millis();
                    if ("claim".equals(op) && !heldLive && live) {
                        claims.putLast(name, new Claim(claim, expiresAt));
                    } else if ("release".equals(op) && heldLive && held.claim().equals(claim)) {
                        claims.remove(name);
                    }
                    return;
                }
                if (!key.startsWith(RESULT_PREFIX)) {
                    return;
                }
                String id = key.substring(RESULT_PREFIX.length());
                Entry current = records.get(id);
                if (current != null && current.expiresAtMs() <= clock.millis()) {
                    records.remove(id);
                    current = null;
                }
                boolean terminal = current != null && current.record().status().isTerminal();
                Sent own = "put".equals(op) || "reopen".equals(op) ? readBackOwn(id, r) : null;
                switch (op == null ? "" : op) {
                    case "put" -> {
                        if (terminal) {
                            if (instanceId.equals(header(r.headers(), WRITER))) {
                                restore = current.record();
                                restores = current.offset();
                            }
                        } else if (live) {
                            records.putLast(id, new Entry(valueOf(r, own), r.offset(), false, expiresAt));
                        }
                    }
                    case "reopen" -> {
                        if (live) {
                            records.putLast(id, new Entry(valueOf(r, own), r.offset(), true, expiresAt));
                        }
                    }
                    case "restore" -> {
                        long restored = Long.parseLong(header(r.headers(), RESTORES));
                        boolean reopenedSince = current != null && current.reopened() && current.offset() > restored;
                        if (!reopenedSince && live) {
                            records.putLast(id,
                                    new Entry(ResultFormat.decode(r.value()), r.offset(), false, expiresAt));
                        }
                    }
                    case "discard" -> {
                        if (current != null && current.record().status() == Status.PENDING
                                && current.record().attempts() == 0) {
                            records.remove(id);
                        }
                    }
                    default -> LOG.debug("skipping a record of {} without a known {} header", topic, OP);
                }
                Entry now = records.get(id);
                if (now != null && now.offset() == r.offset() && now.record().status().isTerminal()) {
                    finished = now.record();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("skipping an unreadable record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
                    e.getMessage());
            return;
        }
        if (finished != null) {
            wake(finished);
        }
        if (restore != null) {
            LOG.debug("restoring the finished record of {} after a later put", restore.correlationId());
            send(restore, "restore", Long.toString(restores));
        }
    }

    /**
     * The record {@code r} holds. When this process sent these very bytes for its id ({@link #write}), that is
     * the record it sent as decoding gives it ({@link ResultFormat#asStored}): equal bytes decode to equal records,
     * so this changes nothing that is applied, it only saves decoding this process's own writes.
     */
    private RequestRecord valueOf(ConsumerRecord<byte[], byte[]> r, Sent own) {
        if (own != null) {
            ownWritesNotDecoded++;
            return own.record();
        }
        return ResultFormat.decode(r.value());
    }

    /** This process's write of {@code id} that {@code r} is, if any, no longer waiting to be read. */
    private Sent readBackOwn(String id, ConsumerRecord<byte[], byte[]> r) {
        Sent own = sent.get(id);
        if (own == null || !Arrays.equals(own.value(), r.value())) {
            return null;
        }
        sent.remove(id, own);
        return own;
    }

    /** How many of this process's writes the consumer applied without decoding them (for tests). */
    synchronized long ownWritesNotDecoded() {
        return ownWritesNotDecoded;
    }

    /** Runs {@code completion} on {@link #completions}, or here once this is closed. */
    private void later(Runnable completion) {
        try {
            completions.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    private static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    // ---- reading

    /** The record of {@code id} as this process sees it: what the topic says, then this process's own puts. */
    synchronized Optional<RequestRecord> get(String id) {
        long now = clock.millis();
        Entry stored = records.get(id);
        RequestRecord found = stored == null || stored.expiresAtMs() <= now ? null : stored.record();
        Pending own = pending.get(id);
        if (own != null && own.expiresAtMs() > now && own.offset() >= positions.getOrDefault(own.partition(), 0L)
                && (own.reopen() || found == null || !found.status().isTerminal())) {
            found = own.record();
        }
        return Optional.ofNullable(found);
    }

    /**
     * {@link #get}, but a terminal record only after this process has read the topic up to the end it has now: a
     * later reopen written by another process (a redrive racing the redriven message) is then seen. When Kafka does
     * not answer within {@code request_timeout}, or has not answered the consumer lately, what this process has read.
     */
    CompletableFuture<Optional<RequestRecord>> getLatest(String id) {
        Optional<RequestRecord> now = get(id);
        if (!now.map(r -> r.status().isTerminal()).orElse(false) || !inContact()) {
            return CompletableFuture.completedFuture(now);
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        synchronized (this) {
            positions.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        }
        if (latest.isEmpty()) {
            return CompletableFuture.completedFuture(now);
        }
        return admin.listOffsets(latest).all().toCompletionStage().toCompletableFuture()
                .thenCompose(ends -> CompletableFuture.allOf(ends.entrySet().stream()
                        .map(e -> readTo(e.getKey(), e.getValue().offset())).toArray(CompletableFuture[]::new)))
                .orTimeout(clients.config().requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((read, e) -> get(id));
    }

    /** The live claim of {@code key}, if any. */
    synchronized Optional<IdempotencyClaim> claim(String key) {
        Claim held = claims.get(key);
        return held == null || held.expiresAtMs() <= clock.millis() ? Optional.empty() : Optional.of(held.claim());
    }

    // ---- writing

    /** Writes {@code record} ({@code put} or {@code reopen}); visible to {@link #get} here once acknowledged. */
    CompletableFuture<Void> write(RequestRecord record, boolean reopen) {
        RequestRecord stored = ResultFormat.asStored(record);
        Sent sending = new Sent(stored, ResultFormat.encode(stored), clock.millis() + ttlMs);
        sent.put(record.correlationId(), sending);
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null,
                utf8(RESULT_PREFIX + record.correlationId()), sending.value(),
                headers(reopen ? "reopen" : "put", null));
        return send(r, "storing the status of " + record.correlationId()).whenComplete((meta, e) -> {
            if (e != null) {
                sent.remove(record.correlationId(), sending);
            }
        }).thenAccept(meta -> {
            TopicPartition tp = new TopicPartition(meta.topic(), meta.partition());
            Pending own = new Pending(stored, tp, meta.offset(), reopen, meta.timestamp() + ttlMs);
            RequestRecord visible;
            synchronized (this) {
                Pending earlier = pending.get(record.correlationId());
                boolean earlierFinal = earlier != null && earlier.record().status().isTerminal() && !reopen;
                if (earlier == null || earlier.offset() < own.offset() && !earlierFinal) {
                    pending.put(record.correlationId(), own);
                }
                visible = get(record.correlationId()).orElse(null);
            }
            if (visible != null && visible.status().isTerminal()) {
                wake(visible);
            }
        });
    }

    /** Writes a discard of {@code id}'s record and waits until this process has read it back. */
    CompletableFuture<Void> discard(RequestRecord record) {
        return send(record, "discard", null).thenCompose(this::readBack);
    }

    /** Writes a claim or release of {@code claim} and waits until this process has read it back. */
    CompletableFuture<Void> claim(IdempotencyClaim claim, boolean release) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, utf8(CLAIM_PREFIX + claim.key()),
                ResultFormat.encodeClaim(claim), headers(release ? "release" : "claim", null));
        return send(record, "writing an idempotency claim").thenCompose(this::readBack);
    }

    private CompletableFuture<RecordMetadata> send(RequestRecord record, String op, String restores) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null,
                utf8(RESULT_PREFIX + record.correlationId()), ResultFormat.encode(record), headers(op, restores));
        return send(r, "storing the status of " + record.correlationId());
    }

    private RecordHeaders headers(String op, String restores) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(OP, utf8(op));
        headers.add(WRITER, utf8(instanceId));
        if (restores != null) {
            headers.add(RESTORES, utf8(restores));
        }
        return headers;
    }

    private CompletableFuture<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, String what) {
        CompletableFuture<RecordMetadata> sent = new CompletableFuture<>();
        try {
            producer.send(record, (meta, e) -> later(() -> {
                if (e == null) {
                    sent.complete(meta);
                } else {
                    sent.completeExceptionally(clients.failure(what, e));
                }
            }));
        } catch (KafkaException | IllegalStateException e) {
            sent.completeExceptionally(clients.failure(what, e));
        }
        return sent;
    }

    /** Completes once the consumer of this process has read past {@code meta}'s offset. */
    private CompletableFuture<Void> readBack(RecordMetadata meta) {
        return readTo(new TopicPartition(meta.topic(), meta.partition()), meta.offset() + 1);
    }

    /** Completes once the consumer's position in {@code tp} is at least {@code position}. */
    private CompletableFuture<Void> readTo(TopicPartition tp, long position) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (this) {
            if (!running) {
                return CompletableFuture.failedFuture(closing());
            }
            if (positions.getOrDefault(tp, 0L) >= position) {
                return CompletableFuture.completedFuture(null);
            }
            offsetWaiters.computeIfAbsent(tp, k -> new ArrayList<>()).add(new OffsetWaiter(position, done));
        }
        Duration limit = clients.config().requestTimeout();
        return done.orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS).exceptionally(e -> {
            throw HqmException.transientFailure("the results topic " + topic + " was not read back within "
                    + limit.toMillis() + " ms", e);
        });
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- waiting

    /** Completes when {@code id} is terminal, or after {@code maxWait} with what it is then. */
    CompletableFuture<Optional<RequestRecord>> awaitTerminal(String id, Duration maxWait) {
        Optional<RequestRecord> now = get(id);
        if (now.map(r -> r.status().isTerminal()).orElse(false) || maxWait.isZero() || maxWait.isNegative()) {
            return CompletableFuture.completedFuture(now);
        }
        CompletableFuture<Optional<RequestRecord>> waiter = new CompletableFuture<>();
        if (!running) {
            return CompletableFuture.failedFuture(closing());
        }
        waiters.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(waiter);
        ScheduledFuture<?> timeout = timer.schedule(() -> {
            forget(id, waiter);
            waiter.complete(get(id));
        }, maxWait.toMillis(), TimeUnit.MILLISECONDS);
        waiter.whenComplete((r, e) -> timeout.cancel(false));
        Optional<RequestRecord> again = get(id); // it may have finished while the waiter was being registered
        if (again.map(r -> r.status().isTerminal()).orElse(false)) {
            forget(id, waiter);
            waiter.complete(again);
        }
        return waiter;
    }

    private void forget(String id, CompletableFuture<Optional<RequestRecord>> waiter) {
        waiters.computeIfPresent(id, (k, set) -> {
            set.remove(waiter);
            return set.isEmpty() ? null : set;
        });
    }

    private void wake(RequestRecord finished) {
        Set<CompletableFuture<Optional<RequestRecord>>> woken = waiters.remove(finished.correlationId());
        if (woken != null) {
            woken.forEach(w -> later(() -> w.complete(Optional.of(finished))));
        }
    }

    // ---- health and lifecycle

    /** Whether Kafka answered this process's consumer lately. */
    private boolean inContact() {
        long contact = lastContactMs;
        return contact >= 0 && System.currentTimeMillis() - contact <= 3 * CHECK_EVERY_MS;
    }

    Health health() {
        if (!inContact()) {
            return Health.down("results topic " + topic + ": " + problem);
        }
        if (!readToStartEnd) {
            return Health.down("results topic " + topic + ": still reading it from the beginning ("
                    + (lag < 0 ? "lag unknown" : lag + " record(s) to go") + ")");
        }
        return Health.up("results topic " + topic + ": " + size() + " record(s), lag " + Math.max(0, lag));
    }

    private static HqmException closing() {
        return HqmException.transientFailure("the server is shutting down; ask again later", null);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            running = false;
        }
        consumer.wakeup();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        completions.shutdown();
        admin.close(Duration.ofSeconds(2));
        HqmException closing = closing();
        waiters.values().forEach(set -> set.forEach(w -> w.completeExceptionally(closing)));
        waiters.clear();
        synchronized (this) {
            offsetWaiters.values().forEach(list -> list.forEach(w -> w.done().completeExceptionally(closing)));
            offsetWaiters.clear();
        }
    }
}
