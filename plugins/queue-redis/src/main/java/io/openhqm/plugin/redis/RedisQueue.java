package io.openhqm.plugin.redis;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.openhqm.api.Health;
import io.openhqm.api.PluginContext;
import io.openhqm.api.message.Message;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.queue.QueueStats;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.toolkit.NaturalBatcher;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * A queue on a Redis stream ({@code queue.request_queue_name}) read by the worker pool of this process, a consumer
 * group ({@code queue.redis.consumer_group}); several pools on one stream each get every message. Layout
 * ({@link PoolKeys}):
 * <ul>
 *   <li>the request stream: one entry per message that some pool has not settled yet ({@link EntryFormat}); the
 *       settle scripts delete an entry once every group of the stream has settled it;</li>
 *   <li>the pool's retry stream: messages the pool handed back (retries, deferrals), read by its consumers together
 *       with the request stream;</li>
 *   <li>the pool's delayed set: messages waiting for a retry, scored by due time (milliseconds, Redis clock), each
 *       message's fields in a hash; due ones are moved into the retry stream by any of its workers
 *       ({@code move_due.lua});</li>
 *   <li>the pool's dead-letter stream: the message's fields plus {@code dlq_reason}, {@code dlq_at},
 *       {@code dlq_source_id} and {@code dlq_group}, its {@code history} holding every failed attempt.</li>
 * </ul>
 * Publishing is one {@code XADD} on the shared connection. Each {@link RedisConsumer} reads with
 * {@code XREADGROUP} on a connection of its own, reclaims entries of dead consumers with {@code XAUTOCLAIM}, and
 * renews the lease of the in-flight entries it still holds ({@code renew.lua}) every third of the visibility
 * timeout so a long-running message is not taken from a live worker.
 *
 * <p>Thread-safe.
 */
final class RedisQueue implements Queue {
    private static final Logger LOG = LoggerFactory.getLogger(RedisQueue.class);

    final RedisBackend backend;
    final RedisConfig config;
    final RedisAsyncCommands<String, byte[]> redis;
    final PoolKeys keys;
    final Clock clock;
    final Counter reclaimed;
    private final String consumerBase;
    private final XAddArgs publishArgs;
    private final RedisDeadLetterBrowser deadLetters;
    private final Set<RedisConsumer> consumers = ConcurrentHashMap.newKeySet();
    private final NaturalBatcher<Completion, Boolean> completions =
            new NaturalBatcher<>(RedisResultStore.BATCH, this::complete);
    private final ScheduledExecutorService leases = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hqm-redis-lease").daemon(true).factory());

    RedisQueue(RedisBackend backend, QueueSettings settings, PluginContext context) {
        this.backend = backend;
        this.config = backend.config();
        this.redis = backend.redis();
        this.keys = PoolKeys.of(settings, config);
        this.clock = context.clock();
        this.consumerBase = config.consumerName(context);
        this.publishArgs = config.maxStreamLength() > 0
                ? XAddArgs.Builder.maxlen(config.maxStreamLength()).approximateTrimming() : null;
        this.deadLetters = new RedisDeadLetterBrowser(backend, keys);
        MeterRegistry meters = context.meterRegistry();
        this.reclaimed = Counter.builder("openhqm.queue.reclaimed").tag("queue", keys.stream())
                .description("Messages taken over from consumers that left them unsettled past the visibility timeout")
                .register(meters);
        long period = Math.max(100, config.visibilityTimeout().toMillis() / 3);
        leases.scheduleWithFixedDelay(this::renewLeases, period, period, TimeUnit.MILLISECONDS);
        LOG.info("Redis queue on stream {} (group {}, consumer {}, visibility timeout {} ms) at {}", keys.stream(),
                keys.group(), consumerBase, config.visibilityTimeout().toMillis(), config.url());
    }

    /**
     * Creates the pool's consumer group on the request stream and on its retry stream (reading each from its start)
     * unless it exists. Only consumers do: a group that never reads would keep every entry of the stream.
     */
    void ensureGroup() {
        for (String stream : keys.streams()) {
            ensureGroup(stream);
        }
    }

    private void ensureGroup(String stream) {
        try {
            backend.await(redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), keys.group(),
                    XGroupCreateArgs.Builder.mkstream()), "creating consumer group " + keys.group());
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
        Map<String, byte[]> fields = EntryFormat.encode(message);
        CompletionStage<String> added = publishArgs == null ? redis.xadd(keys.stream(), fields)
                : redis.xadd(keys.stream(), publishArgs, fields);
        return added.handle((id, e) -> {
            if (e != null) {
                throw backend.failure("queueing message " + message.correlationId(), e);
            }
            return null;
        });
    }

    @Override
    public QueueConsumer consumer(String name) {
        ensureGroup();
        RedisConsumer consumer = new RedisConsumer(this, consumerBase + ":" + name);
        consumers.add(consumer);
        return consumer;
    }

    void closed(RedisConsumer consumer) {
        consumers.remove(consumer);
    }

    /**
     * The request stream's entries (waiting or in flight in some pool: settled ones are deleted) plus this pool's
     * retry stream and delayed messages. With several pools the stream part counts what the slowest one has left.
     */
    @Override
    public long depth() {
        CompletableFuture<Long> length = redis.xlen(keys.stream()).toCompletableFuture();
        CompletableFuture<Long> handedBack = redis.xlen(keys.retryStream()).toCompletableFuture();
        CompletableFuture<Long> delayed = redis.zcard(keys.delayedSet()).toCompletableFuture();
        return backend.await(length.thenCombine(handedBack, Long::sum).thenCombine(delayed, Long::sum),
                "reading the queue depth");
    }

    /**
     * In flight: the entries of the request and retry streams pending in this pool's group ({@code XPENDING});
     * delayed: the pool's delayed set ({@code ZCARD}).
     */
    @Override
    public QueueStats stats() {
        CompletableFuture<Long> pending = pending(keys.stream()).thenCombine(pending(keys.retryStream()), Long::sum);
        CompletableFuture<Long> delayed = redis.zcard(keys.delayedSet()).toCompletableFuture();
        return backend.await(pending.thenCombine(delayed, QueueStats::new), "reading the queue's counts");
    }

    /** Entries of {@code stream} pending in this pool's group; 0 while no consumer has created the group. */
    private CompletableFuture<Long> pending(String stream) {
        return redis.xpending(stream, keys.group()).toCompletableFuture().handle((summary, failure) -> {
            if (failure == null) {
                return summary.getCount();
            }
            Throwable cause = RedisBackend.unwrap(failure);
            if (cause.getMessage() != null && cause.getMessage().startsWith("NOGROUP")) {
                return 0L;
            }
            throw backend.failure("reading the messages in flight", failure);
        });
    }

    @Override
    public Health health() {
        return backend.ping();
    }

    @Override
    public Optional<DeadLetterBrowser> deadLetterBrowser() {
        return Optional.of(deadLetters);
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

    /**
     * Moves an entry of {@code stream} held by {@code consumer} to the pool's dead-letter stream; false if the
     * consumer no longer holds it.
     */
    CompletableFuture<Boolean> deadLetter(String stream, String entryId, String consumer, Map<String, byte[]> fields,
                                          String reason) {
        List<byte[]> args = new ArrayList<>(12 + fields.size() * 2);
        args.add(utf8(keys.group()));
        args.add(utf8(consumer));
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
        args.add(utf8("dlq_group"));
        args.add(utf8(keys.group()));
        return Script.DEAD_LETTER.<Long>run(redis, ScriptOutputType.INTEGER,
                new String[] {stream, keys.deadLetterStream()}, args.toArray(byte[][]::new)).thenApply(n -> n == 1L);
    }

    /**
     * Hands an entry of {@code stream} held by {@code consumer} back to the pool: into its retry stream now
     * ({@code delay} zero) or after {@code delay}; false if the consumer no longer holds it.
     */
    CompletableFuture<Boolean> requeue(String stream, String entryId, String consumer, Map<String, byte[]> fields,
                                       Duration delay) {
        List<byte[]> args = new ArrayList<>(6 + fields.size() * 2);
        args.add(utf8(keys.group()));
        args.add(utf8(consumer));
        args.add(utf8(entryId));
        args.add(utf8(Long.toString(Math.max(0, delay.toMillis()))));
        args.add(utf8(keys.delayedHashPrefix()));
        args.add(utf8(UUID.randomUUID().toString()));
        fields.forEach((k, v) -> {
            args.add(utf8(k));
            args.add(v);
        });
        return Script.REQUEUE.<Long>run(redis, ScriptOutputType.INTEGER,
                new String[] {stream, keys.retryStream(), keys.delayedSet()}, args.toArray(byte[][]::new))
                .thenApply(n -> n == 1L);
    }

    /** Settles an entry of {@code stream} held by {@code consumer} as done; false if the consumer no longer holds it. */
    CompletableFuture<Boolean> ack(String stream, String entryId, String consumer) {
        return Script.ACK.<Long>run(redis, ScriptOutputType.INTEGER, new String[] {stream}, utf8(keys.group()),
                utf8(consumer), utf8(entryId)).thenApply(n -> n == 1L);
    }

    /**
     * Stores {@code outcome} in {@code results} and settles the entry as done, in one script shared with the
     * completions made meanwhile: false if the consumer no longer holds the entry (the record is stored all the same).
     */
    CompletableFuture<Boolean> complete(String stream, String entryId, String consumer, RedisResultStore results,
                                        RequestRecord outcome) {
        String id = outcome.correlationId();
        return completions.call(new Completion(stream, entryId, consumer, results.keys().result(id),
                RecordFormat.encode(outcome), results.ttlMs(), results.keys().done(id)));
    }

    /** One delivery to finish: its entry, and its record's key, encoding, TTL and waiters' channel. */
    record Completion(String stream, String entryId, String consumer, String recordKey, byte[] record, long ttlMs,
                      String channel) {
    }

    /** Sends a batch of completions as one script; the callers encoded the records, so this only packs them. */
    CompletableFuture<List<Boolean>> complete(List<Completion> batch) {
        String[] keys = new String[2 * batch.size()];
        byte[][] args = new byte[1 + 5 * batch.size()][];
        args[0] = utf8(this.keys.group());
        for (int i = 0; i < batch.size(); i++) {
            Completion c = batch.get(i);
            keys[2 * i] = c.recordKey();
            keys[2 * i + 1] = c.stream();
            args[1 + 5 * i] = c.record();
            args[2 + 5 * i] = utf8(Long.toString(c.ttlMs()));
            args[3 + 5 * i] = utf8(c.channel());
            args[4 + 5 * i] = utf8(c.consumer());
            args[5 + 5 * i] = utf8(c.entryId());
        }
        return Script.COMPLETE.<List<Long>>run(redis, ScriptOutputType.MULTI, keys, args)
                .thenApply(done -> done.stream().map(n -> n == 1L).toList());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        leases.shutdownNow();
        for (RedisConsumer consumer : List.copyOf(consumers)) {
            consumer.close();
        }
    }
}
