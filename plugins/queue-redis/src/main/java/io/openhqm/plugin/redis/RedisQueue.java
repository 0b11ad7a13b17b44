package io.openhqm.plugin.redis;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.openhqm.api.Health;
import io.openhqm.api.PluginContext;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue on a Redis stream ({@code queue.request_queue_name}) read by a consumer group
 * ({@code queue.redis.consumer_group}). Layout:
 * <ul>
 *   <li>the request stream: one entry per waiting or in-flight message ({@link EntryFormat}); settled entries are
 *       acknowledged and deleted in one script, so the stream holds only unsettled messages;</li>
 *   <li>{@code <prefix>delayed:<stream>}: a sorted set of messages waiting for a retry, scored by due time
 *       (milliseconds, Redis clock), each message's fields in the hash {@code <prefix>delayed:<stream>:<member>};
 *       due ones are moved back into the stream by any worker ({@code move_due.lua});</li>
 *   <li>the dead-letter stream ({@code queue.dlq_name}): the message's fields plus {@code dlq_reason},
 *       {@code dlq_at} and {@code dlq_source_id}, its {@code history} holding every failed attempt.</li>
 * </ul>
 * Publishing is one {@code XADD} on the shared connection. Each {@link RedisConsumer} reads with
 * {@code XREADGROUP} on a connection of its own, reclaims entries of dead consumers with {@code XAUTOCLAIM}, and
 * renews the lease of its in-flight entries ({@code XCLAIM ... JUSTID}) every third of the visibility timeout so
 * a long-running message is not taken from a live worker.
 *
 * <p>Thread-safe.
 */
final class RedisQueue implements Queue {
    private static final Logger LOG = LoggerFactory.getLogger(RedisQueue.class);

    final RedisBackend backend;
    final RedisConfig config;
    final RedisAsyncCommands<String, byte[]> redis;
    final String stream;
    final String deadLetterStream;
    final String delayedSet;
    final String delayedHashPrefix;
    final RedisResultStore.Keys resultKeys;
    final Clock clock;
    final Counter reclaimed;
    private final String consumerBase;
    private final XAddArgs publishArgs;
    private final Set<RedisConsumer> consumers = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService leases = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hqm-redis-lease").daemon(true).factory());

    RedisQueue(RedisBackend backend, QueueSettings settings, PluginContext context) {
        this.backend = backend;
        this.config = backend.config();
        this.redis = backend.redis();
        this.stream = settings.requestQueueName();
        this.deadLetterStream = settings.deadLetterQueueName();
        this.delayedSet = config.keyPrefix() + "delayed:" + stream;
        this.delayedHashPrefix = delayedSet + ":";
        this.resultKeys = new RedisResultStore.Keys(config.keyPrefix());
        this.clock = context.clock();
        this.consumerBase = config.consumerName(context);
        this.publishArgs = config.maxStreamLength() > 0
                ? XAddArgs.Builder.maxlen(config.maxStreamLength()).approximateTrimming() : null;
        MeterRegistry meters = context.meterRegistry();
        this.reclaimed = Counter.builder("openhqm.queue.reclaimed").tag("queue", stream)
                .description("Messages taken over from consumers that left them unsettled past the visibility timeout")
                .register(meters);
        ensureGroup();
        long period = Math.max(100, config.visibilityTimeout().toMillis() / 3);
        leases.scheduleWithFixedDelay(this::renewLeases, period, period, TimeUnit.MILLISECONDS);
        LOG.info("Redis queue on stream {} (group {}, consumer {}, visibility timeout {} ms) at {}", stream,
                config.consumerGroup(), consumerBase, config.visibilityTimeout().toMillis(), config.url());
    }

    /** Creates the consumer group (reading the stream from its start) unless it exists. */
    void ensureGroup() {
        try {
            backend.await(redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), config.consumerGroup(),
                    XGroupCreateArgs.Builder.mkstream()), "creating consumer group " + config.consumerGroup());
        } catch (RuntimeException e) {
            Throwable cause = RedisBackend.unwrap(e.getCause() != null ? e.getCause() : e);
            boolean exists = cause instanceof RedisBusyException
                    || (cause.getMessage() != null && cause.getMessage().startsWith("BUSYGROUP"))
                    || (e.getMessage() != null && e.getMessage().contains("BUSYGROUP"));
            if (!exists) {
                throw e;
            }
        }
    }

    @Override
    public CompletionStage<Void> publish(Message message) {
        Map<String, byte[]> fields = EntryFormat.encode(message, 1, List.of());
        CompletionStage<String> added = publishArgs == null ? redis.xadd(stream, fields)
                : redis.xadd(stream, publishArgs, fields);
        return added.handle((id, e) -> {
            if (e != null) {
                throw backend.failure("queueing message " + message.correlationId(), e);
            }
            return null;
        });
    }

    @Override
    public QueueConsumer consumer(String name) {
        RedisConsumer consumer = new RedisConsumer(this, consumerBase + ":" + name);
        consumers.add(consumer);
        return consumer;
    }

    void closed(RedisConsumer consumer) {
        consumers.remove(consumer);
    }

    /** Waiting and in-flight entries (the stream holds nothing else) plus messages delayed for a retry. */
    @Override
    public long depth() {
        CompletableFuture<Long> length = redis.xlen(stream).toCompletableFuture();
        CompletableFuture<Long> delayed = redis.zcard(delayedSet).toCompletableFuture();
        return backend.await(length.thenCombine(delayed, Long::sum), "reading the queue depth");
    }

    @Override
    public Health health() {
        return backend.ping();
    }

    @Override
    public List<DeadLetter> deadLetters(int limit) {
        List<StreamMessage<String, byte[]>> entries = backend.await(
                redis.xrange(deadLetterStream, io.lettuce.core.Range.create("-", "+"),
                        io.lettuce.core.Limit.from(Math.max(1, limit))), "reading the dead-letter queue");
        List<DeadLetter> out = new ArrayList<>(entries.size());
        for (StreamMessage<String, byte[]> entry : entries) {
            Map<String, byte[]> f = entry.getBody();
            String reason = text(f.get("dlq_reason"), "unknown");
            Instant at = f.containsKey("dlq_at") ? Instant.ofEpochMilli(Long.parseLong(text(f.get("dlq_at"), "0")))
                    : EntryFormat.entryTime(entry.getId());
            Message message;
            List<AttemptFailure> history;
            try {
                EntryFormat.Decoded decoded = EntryFormat.decode(text(f.get("dlq_source_id"), entry.getId()), f);
                message = decoded.message();
                history = decoded.history();
            } catch (EntryFormat.Undecodable e) {
                message = new Message(text(f.get("dlq_source_id"), entry.getId()), new byte[0],
                        "application/octet-stream", Map.of(),
                        io.openhqm.api.message.MessageMetadata.defaults(at));
                history = List.of();
            }
            out.add(new DeadLetter(message, reason, history, at));
        }
        return out;
    }

    @Override
    public long deadLetterCount() {
        return backend.await(redis.xlen(deadLetterStream), "reading the dead-letter queue length");
    }

    /** Keeps the in-flight entries of live consumers from being reclaimed by others. */
    private void renewLeases() {
        for (RedisConsumer consumer : consumers) {
            try {
                consumer.renewLeases();
            } catch (RuntimeException e) {
                LOG.debug("renewing leases failed: {}", e.getMessage());
            }
        }
    }

    /** Moves an entry to the dead-letter stream; false if it was settled already. */
    CompletableFuture<Boolean> deadLetter(String entryId, Map<String, byte[]> fields, String reason) {
        List<byte[]> args = new ArrayList<>(8 + fields.size() * 2);
        args.add(utf8(config.consumerGroup()));
        args.add(utf8(entryId));
        args.add(utf8(Long.toString(config.dlqMaxLength())));
        fields.forEach((k, v) -> {
            if (!k.startsWith("dlq_")) {
                args.add(utf8(k));
                args.add(v);
            }
        });
        args.add(utf8("dlq_reason"));
        args.add(utf8(reason));
        args.add(utf8("dlq_at"));
        args.add(utf8(Long.toString(clock.millis())));
        args.add(utf8("dlq_source_id"));
        args.add(utf8(entryId));
        return Script.DEAD_LETTER.<Long>run(redis, ScriptOutputType.INTEGER,
                new String[] {stream, deadLetterStream}, args.toArray(byte[][]::new)).thenApply(n -> n == 1L);
    }

    /** Hands an entry back: re-added now ({@code delay} zero) or after {@code delay}; false if settled already. */
    CompletableFuture<Boolean> requeue(String entryId, Map<String, byte[]> fields, Duration delay) {
        List<byte[]> args = new ArrayList<>(6 + fields.size() * 2);
        args.add(utf8(config.consumerGroup()));
        args.add(utf8(entryId));
        args.add(utf8(Long.toString(Math.max(0, delay.toMillis()))));
        args.add(utf8(delayedHashPrefix));
        args.add(utf8(UUID.randomUUID().toString()));
        args.add(utf8(Long.toString(config.maxStreamLength())));
        fields.forEach((k, v) -> {
            args.add(utf8(k));
            args.add(v);
        });
        return Script.REQUEUE.<Long>run(redis, ScriptOutputType.INTEGER, new String[] {stream, delayedSet},
                args.toArray(byte[][]::new)).thenApply(n -> n == 1L);
    }

    CompletableFuture<Boolean> ack(String entryId) {
        return Script.ACK.<Long>run(redis, ScriptOutputType.INTEGER, new String[] {stream},
                utf8(config.consumerGroup()), utf8(entryId)).thenApply(n -> n == 1L);
    }

    /**
     * Marks the record of a message the queue dead-lettered by itself (never settled by a worker) as FAILED, keeping
     * its owner and attributes; a terminal record, even one stored meanwhile, stays as it is (conditional put).
     */
    void failRecord(Message message, int attempts, String error) {
        String id = message.correlationId();
        redis.get(resultKeys.result(id)).toCompletableFuture().thenCompose(bytes -> {
            MessageMetadata metadata = message.metadata();
            RequestRecord current = bytes == null
                    ? RequestRecord.pending(id, metadata.submittedAt(), metadata.owner(), metadata.attributes())
                    : RecordFormat.decode(bytes);
            if (current.status().isTerminal()) {
                return CompletableFuture.completedFuture(false);
            }
            Instant now = clock.instant();
            RequestRecord failed = new RequestRecord(id, Status.FAILED, current.submittedAt(), now, attempts,
                    current.owner(), null, error, null, now, current.attributes());
            return RedisResultStore.write(redis, resultKeys, failed, backend.resultTtl().toMillis());
        }).whenComplete((stored, e) -> {
            if (e != null) {
                LOG.warn("could not mark {} as FAILED: {}", id, RedisBackend.describe(e));
            }
        });
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes, String fallback) {
        return bytes == null ? fallback : new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        leases.shutdownNow();
        for (RedisConsumer consumer : List.copyOf(consumers)) {
            consumer.close();
        }
        backend.release();
    }
}
