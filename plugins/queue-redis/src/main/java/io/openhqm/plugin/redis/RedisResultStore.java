package io.openhqm.plugin.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.openhqm.api.Health;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.Status;
import io.openhqm.toolkit.NaturalBatcher;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Status and outcome per correlation id in Redis: one JSON value under {@code <prefix>result:<id>} with a TTL that
 * restarts on every put. A put is one script ({@code put_record.lua}) that leaves a stored terminal record as it is
 * and publishes a terminal record it stored on {@code <prefix>done:<id>}, which wakes {@link #awaitTerminal}
 * waiters in any process (see {@link ResultWaiters}). Idempotency keys are {@code SET NX} values under
 * {@code <prefix>idem:<key>} with the same TTL; releasing one and discarding an unpublished PENDING record are
 * compare-and-delete scripts.
 *
 * <p>Thread-safe; every command goes through the process's shared connection and pipelines.
 */
final class RedisResultStore implements ResultStore {
    /** The most reads, or puts, sent in one command: calls made while one is in flight go out together. */
    static final int BATCH = 64;
    private final RedisBackend backend;
    private final RedisAsyncCommands<String, byte[]> redis;
    private final Keys keys;
    private final long ttlMs;
    private final ResultWaiters waiters;
    private final NaturalBatcher<String, byte[]> reads;
    private final NaturalBatcher<Put, Boolean> writes;

    RedisResultStore(RedisBackend backend, Duration ttl) {
        this.backend = backend;
        this.redis = backend.redis();
        this.keys = new Keys(backend.config().keyPrefix());
        this.ttlMs = Math.max(1, ttl.toMillis());
        this.waiters = new ResultWaiters(backend, keys, this::get);
        this.reads = new NaturalBatcher<>(BATCH, ids -> redis.mget(ids.stream().map(keys::result)
                .toArray(String[]::new)).toCompletableFuture()
                .thenApply(values -> values.stream().map(v -> v.getValueOrElse(null)).toList()));
        this.writes = new NaturalBatcher<>(BATCH, this::write);
    }

    /** Whether this store's records live on {@code queue}'s connection, so one script can write both. */
    boolean sharesBackendWith(RedisQueue queue) {
        return backend == queue.backend;
    }

    Keys keys() {
        return keys;
    }

    long ttlMs() {
        return ttlMs;
    }

    /** Where the records and notifications of one key prefix live. */
    record Keys(String prefix) {
        String result(String id) {
            return prefix + "result:" + id;
        }

        String done(String id) {
            return prefix + "done:" + id;
        }

        String donePrefix() {
            return prefix + "done:";
        }

        String idempotency(String key) {
            return prefix + "idem:" + key;
        }
    }

    /**
     * A PENDING record (the listener's, followed by the message's publish) is sent at once, so it reaches Redis
     * before the publish; other puts are batched with those made meanwhile.
     */
    @Override
    public CompletionStage<Void> put(RequestRecord record) {
        Put put = new Put(keys.result(record.correlationId()), RecordFormat.encode(record),
                record.status().isTerminal() ? keys.done(record.correlationId()) : "");
        CompletableFuture<Boolean> stored = record.status() == Status.PENDING
                ? write(List.of(put)).thenApply(List::getFirst) : writes.call(put);
        return stored.<Void>thenApply(s -> null).exceptionally(e -> {
            throw backend.failure("storing the status of " + record.correlationId(), e);
        });
    }

    /** One record to store: its key, its encoding, and its waiters' channel ({@code ""} unless it is terminal). */
    record Put(String key, byte[] record, String channel) {
    }

    /**
     * Stores each record with the TTL unless the stored record of its id is terminal, and publishes each terminal
     * record it stored to its waiters, in one script. Completes with whether each was stored. The records are encoded
     * by the callers, so the connection's I/O thread that sends the next batch only packs them.
     */
    CompletableFuture<List<Boolean>> write(List<Put> puts) {
        String[] resultKeys = new String[puts.size()];
        byte[][] args = new byte[1 + 2 * puts.size()][];
        args[0] = RedisQueue.utf8(Long.toString(ttlMs));
        for (int i = 0; i < puts.size(); i++) {
            Put put = puts.get(i);
            resultKeys[i] = put.key();
            args[1 + 2 * i] = put.record();
            args[2 + 2 * i] = RedisQueue.utf8(put.channel());
        }
        return Script.PUT_RECORD.<List<Long>>run(redis, ScriptOutputType.MULTI, resultKeys, args)
                .thenApply(stored -> stored.stream().map(n -> n == 1L).toList());
    }

    /** Puts and the queue's publishes share one connection, whose commands Redis runs in the order sent. */
    @Override
    public boolean ordersPutsBeforePublishes() {
        return true;
    }

    @Override
    public CompletionStage<Optional<RequestRecord>> get(String correlationId) {
        return reads.call(correlationId).handle((bytes, e) -> {
                    if (e != null) {
                        throw backend.failure("reading the status of " + correlationId, e);
                    }
                    return bytes == null ? Optional.<RequestRecord>empty() : Optional.of(RecordFormat.decode(bytes));
                });
    }

    @Override
    public CompletionStage<Optional<RequestRecord>> awaitTerminal(String correlationId, Duration maxWait) {
        return waiters.await(correlationId, maxWait);
    }

    @Override
    public CompletionStage<IdempotencyClaim> claimIdempotencyKey(IdempotencyClaim claim) {
        return claim(claim, 3);
    }

    private CompletableFuture<IdempotencyClaim> claim(IdempotencyClaim claim, int triesLeft) {
        String key = keys.idempotency(claim.key());
        return redis.set(key, RecordFormat.encodeClaim(claim), SetArgs.Builder.nx().px(ttlMs)).toCompletableFuture()
                .thenCompose(ok -> {
                    if ("OK".equals(ok)) {
                        return CompletableFuture.completedFuture(claim);
                    }
                    return redis.get(key).toCompletableFuture().thenCompose(bytes -> {
                        if (bytes != null) {
                            return CompletableFuture.completedFuture(RecordFormat.decodeClaim(claim.key(), bytes));
                        }
                        if (triesLeft <= 1) {
                            throw new IllegalStateException("the idempotency key changed hands repeatedly");
                        }
                        return claim(claim, triesLeft - 1); // expired between SET NX and GET: claim again
                    });
                })
                .exceptionally(e -> {
                    throw backend.failure("claiming an idempotency key", e);
                });
    }

    @Override
    public CompletionStage<Void> releaseIdempotencyKey(IdempotencyClaim claim) {
        return Script.RELEASE_CLAIM.<Long>run(redis, ScriptOutputType.INTEGER,
                new String[] {keys.idempotency(claim.key())}, RedisQueue.utf8(claim.fingerprint()),
                RedisQueue.utf8(claim.correlationId())).<Void>thenApply(released -> null).exceptionally(e -> {
                    throw backend.failure("releasing an idempotency key", e);
                });
    }

    @Override
    public CompletionStage<Void> reopen(RequestRecord record) {
        String id = record.correlationId();
        return redis.set(keys.result(id), RecordFormat.encode(record), SetArgs.Builder.px(ttlMs))
                .<Void>thenApply(ok -> null).exceptionally(e -> {
                    throw backend.failure("reopening the record of " + id, e);
                });
    }

    @Override
    public CompletionStage<Void> discardPending(String correlationId) {
        return Script.DISCARD_PENDING.<Long>run(redis, ScriptOutputType.INTEGER,
                new String[] {keys.result(correlationId)}).<Void>thenApply(discarded -> null).exceptionally(e -> {
                    throw backend.failure("discarding the record of " + correlationId, e);
                });
    }

    @Override
    public Health health() {
        return backend.ping();
    }

    @Override
    public void close() {
        waiters.close();
    }
}
