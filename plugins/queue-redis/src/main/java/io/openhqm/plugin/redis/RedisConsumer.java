package io.openhqm.plugin.redis;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker loop's reader of its pool's two streams: the shared request stream and the pool's retry stream
 * ({@link PoolKeys}). Each {@link #poll} does, in order: on the first polls, take back what a previous run under the
 * same consumer name left pending ({@code recover.lua}); move the pool's due delayed messages into its retry stream
 * ({@code move_due.lua}, a few times a second at most); reclaim entries idle longer than the visibility timeout from
 * any consumer of the pool ({@code reclaim.lua}, XAUTOCLAIM); then read new entries of both streams with one
 * {@code XREADGROUP ... BLOCK} on this consumer's own connection, so blocking never holds up the shared one. That
 * read may return more entries than asked for (its count applies to each stream); the rest wait here, leased, for
 * the next poll.
 *
 * <p>A delivery that was never settled (its worker died or hung) counts as an attempt: the next delivery's
 * {@link io.openhqm.api.queue.Delivery#attempt()} says so, and the engine alone decides when a message has had
 * enough ({@code worker.max_retries}). Used by one thread at a time (the leases are renewed from the queue's timer
 * thread).
 */
final class RedisConsumer implements QueueConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(RedisConsumer.class);
    private static final long MOVE_INTERVAL_MS = 250;
    private static final int RENEW_CHUNK = 500;
    static final String UNSETTLED = "not settled within the visibility timeout (its worker stopped or hung)";

    private final RedisQueue queue;
    private final RedisConfig config;
    private final PoolKeys keys;
    private final String name;
    private final Consumer<String> groupConsumer;
    private final StatefulRedisConnection<String, byte[]> reader;
    private final List<ConsumedStream> streams;
    private final Map<String, ConsumedStream> byName = new LinkedHashMap<>();
    private final ArrayDeque<Delivery> readAhead = new ArrayDeque<>();
    private final long reclaimIntervalNanos;
    private long nextReclaim;
    private long nextMove;
    private volatile boolean closed;

    RedisConsumer(RedisQueue queue, String name) {
        this.queue = queue;
        this.config = queue.config;
        this.keys = queue.keys;
        this.name = name;
        this.groupConsumer = Consumer.from(keys.group(), name);
        this.streams = keys.streams().stream().map(ConsumedStream::new).toList();
        streams.forEach(s -> byName.put(s.name, s));
        this.reader = queue.backend.connectDedicated();
        long visibility = config.visibilityTimeout().toNanos();
        this.reclaimIntervalNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(100),
                Math.min(visibility / 4, TimeUnit.SECONDS.toNanos(5)));
        long now = System.nanoTime();
        this.nextReclaim = now;
        this.nextMove = now;
    }

    String name() {
        return name;
    }

    @Override
    public List<Delivery> poll(int max, Duration maxWait) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("consumer closed");
        }
        int limit = Math.max(1, Math.min(max, config.batchSize()));
        List<Delivery> out = new ArrayList<>();
        while (out.size() < limit && !readAhead.isEmpty()) {
            out.add(readAhead.poll());
        }
        if (!out.isEmpty()) {
            return out;
        }
        try {
            for (ConsumedStream stream : streams) {
                if (!stream.recovered && out.size() < limit) {
                    recover(stream, limit - out.size(), out);
                }
            }
            if (!out.isEmpty()) {
                return out;
            }
            for (ConsumedStream stream : streams) {
                if (!stream.abandoned.isEmpty() && out.size() < limit) {
                    takeBackAbandoned(stream, limit - out.size(), out);
                }
            }
            if (!out.isEmpty()) {
                return out;
            }
            long now = System.nanoTime();
            if (now - nextMove >= 0) {
                moveDue(now, limit);
            }
            if (now - nextReclaim >= 0) {
                reclaim(now, limit, out);
                if (out.size() >= limit) {
                    return out;
                }
            }
            long untilMove = TimeUnit.NANOSECONDS.toMillis(nextMove - System.nanoTime());
            long block = out.isEmpty() ? Math.min(Math.min(maxWait.toMillis(), untilMove),
                    config.commandTimeout().toMillis() / 2) : 0;
            read(limit - out.size(), block, out);
            while (out.size() > limit) {
                readAhead.addFirst(out.remove(out.size() - 1));
            }
            return out;
        } catch (InterruptedException e) {
            abandon(out);
            throw e;
        } catch (RuntimeException e) {
            abandon(out);
            if (isNoGroup(e)) {
                LOG.warn("the consumer group {} of stream {} is gone (Redis restarted without its data?);"
                        + " creating it again", keys.group(), keys.stream());
                queue.ensureGroup();
                return List.of();
            }
            throw queue.backend.failure("reading stream " + keys.stream(), e);
        }
    }

    /** Deliveries taken in a poll that failed before returning them: deliver them again by the next polls. */
    private void abandon(List<Delivery> taken) {
        for (Delivery delivery : taken) {
            RedisDelivery d = (RedisDelivery) delivery;
            d.stream().inFlight.remove(d.entryId());
            d.stream().abandoned.add(d.entryId());
        }
    }

    private void read(int count, long blockMs, List<Delivery> out) throws InterruptedException {
        XReadArgs args = XReadArgs.Builder.count(count);
        if (blockMs > 0) {
            args.block(blockMs);
        }
        @SuppressWarnings("unchecked")
        XReadArgs.StreamOffset<String>[] offsets = streams.stream()
                .map(s -> XReadArgs.StreamOffset.lastConsumed(s.name)).toArray(XReadArgs.StreamOffset[]::new);
        List<StreamMessage<String, byte[]>> entries = await(reader.async().xreadgroup(groupConsumer, args, offsets)
                .toCompletableFuture(), blockMs);
        for (StreamMessage<String, byte[]> entry : entries) {
            deliver(byName.get(entry.getStream()), entry.getId(), 0, entry.getBody(), out);
        }
    }

    private void moveDue(long now, int limit) throws InterruptedException {
        List<Object> result = await(Script.MOVE_DUE.<List<Object>>run(queue.redis, ScriptOutputType.MULTI,
                new String[] {keys.delayedSet(), keys.retryStream()}, RedisQueue.utf8(Integer.toString(limit)),
                RedisQueue.utf8(keys.delayedHashPrefix())), 0);
        long moved = (Long) result.get(0);
        long wait = (Long) result.get(1);
        long next = moved >= limit ? 0 : wait < 0 ? MOVE_INTERVAL_MS : Math.min(Math.max(wait, 5), MOVE_INTERVAL_MS);
        nextMove = now + TimeUnit.MILLISECONDS.toNanos(next);
    }

    private void recover(ConsumedStream stream, int limit, List<Delivery> out) throws InterruptedException {
        List<Object> result = await(Script.RECOVER.<List<Object>>run(queue.redis, ScriptOutputType.MULTI,
                new String[] {stream.name}, RedisQueue.utf8(keys.group()), RedisQueue.utf8(name),
                RedisQueue.utf8(stream.recoverFrom), RedisQueue.utf8(Integer.toString(limit))), 0);
        int before = out.size();
        for (Object item : result) {
            List<?> e = (List<?>) item;
            String id = string(e.get(0));
            stream.recoverFrom = id;
            long deliveries = (Long) e.get(1);
            if (deliveries > 0) {
                deliver(stream, id, deliveries, fields((List<?>) e.get(2)), out);
            }
        }
        if (result.size() < limit) {
            stream.recovered = true;
            if (out.size() > before || !result.isEmpty()) {
                LOG.info("took back {} message(s) of {} left in flight by an earlier run of consumer {}",
                        out.size() - before, stream, name);
            }
        }
    }

    /** Delivers again the entries whose settling failed, once Redis answers again. */
    private void takeBackAbandoned(ConsumedStream stream, int limit, List<Delivery> out) throws InterruptedException {
        List<String> ids = stream.abandoned.stream().limit(limit).toList();
        List<byte[]> args = new ArrayList<>(ids.size() + 2);
        args.add(RedisQueue.utf8(keys.group()));
        args.add(RedisQueue.utf8(name));
        ids.forEach(id -> args.add(RedisQueue.utf8(id)));
        List<Object> result = await(Script.CLAIM_IDS.<List<Object>>run(queue.redis, ScriptOutputType.MULTI,
                new String[] {stream.name}, args.toArray(byte[][]::new)), 0);
        ids.forEach(stream.abandoned::remove);
        int before = out.size();
        for (Object item : result) {
            List<?> e = (List<?>) item;
            deliver(stream, string(e.get(0)), (Long) e.get(1), fields((List<?>) e.get(2)), out);
        }
        if (out.size() > before) {
            LOG.info("delivering again {} message(s) whose outcome could not be settled while Redis was unreachable",
                    out.size() - before);
        }
    }

    private void reclaim(long now, int limit, List<Delivery> out) throws InterruptedException {
        boolean scanComplete = true;
        int taken = 0;
        for (ConsumedStream stream : streams) {
            int count = limit - out.size();
            if (count <= 0) {
                scanComplete = false;
                break;
            }
            List<Object> result = await(Script.RECLAIM.<List<Object>>run(queue.redis, ScriptOutputType.MULTI,
                    new String[] {stream.name}, RedisQueue.utf8(keys.group()), RedisQueue.utf8(name),
                    RedisQueue.utf8(Long.toString(config.visibilityTimeout().toMillis())),
                    RedisQueue.utf8(stream.reclaimCursor), RedisQueue.utf8(Integer.toString(count))), 0);
            stream.reclaimCursor = string(result.get(0));
            for (int i = 1; i < result.size(); i++) {
                List<?> e = (List<?>) result.get(i);
                deliver(stream, string(e.get(0)), (Long) e.get(1), fields((List<?>) e.get(2)), out);
            }
            taken += result.size() - 1;
            scanComplete &= "0-0".equals(stream.reclaimCursor);
        }
        if (taken > 0) {
            queue.reclaimed.increment(taken);
            LOG.info("reclaimed {} message(s) left unsettled past the visibility timeout", taken);
        }
        // Continue the scan at once while a cursor has not wrapped around; otherwise wait an interval.
        nextReclaim = scanComplete || taken == 0 ? now + reclaimIntervalNanos : now;
    }

    /**
     * Turns an entry into a delivery, or dead-letters it when it cannot or must not be delivered again.
     * {@code deliveries} is the entry's delivery count, or 0 for an entry read as new.
     */
    private void deliver(ConsumedStream stream, String id, long deliveries, Map<String, byte[]> fields,
                         List<Delivery> out) {
        EntryFormat.Decoded decoded;
        try {
            decoded = EntryFormat.decode(id, fields);
        } catch (EntryFormat.Undecodable e) {
            LOG.warn("entry {} of stream {} is not a message ({}); moving it to the dead-letter queue", id, stream,
                    e.getMessage());
            queue.deadLetter(stream.name, id, name, fields, "not a message: " + e.getMessage());
            return;
        }
        int unsettled = (int) Math.max(0, deliveries - 1);
        int attempt = decoded.attempt() + unsettled;
        List<AttemptFailure> history = decoded.history();
        if (unsettled > 0) {
            history = new ArrayList<>(history);
            Instant now = queue.clock.instant();
            for (int i = 0; i < unsettled; i++) {
                history.add(new AttemptFailure(decoded.attempt() + i, now, UNSETTLED));
            }
        }
        stream.inFlight.add(id);
        boolean first = deliveries == 0 && !decoded.handedBack();
        out.add(new RedisDelivery(this, stream, id, decoded.message(), attempt, history, first));
    }

    RedisQueue queue() {
        return queue;
    }

    /** A settle of {@code entryId} is under way: stop renewing its lease. */
    void settling(ConsumedStream stream, String entryId) {
        stream.inFlight.remove(entryId);
    }

    void settled(ConsumedStream stream, String entryId) {
        stream.abandoned.remove(entryId);
    }

    /** Settling {@code entryId} failed; unless a later settle succeeds, it is delivered again by the next polls. */
    void settleFailed(ConsumedStream stream, String entryId) {
        stream.abandoned.add(entryId);
    }

    /**
     * Resets the idle time of the in-flight entries this consumer still holds (without counting a delivery). An entry
     * another consumer reclaimed meanwhile stays with it, and is no longer renewed here.
     */
    void renewLeases() {
        if (closed) {
            return;
        }
        for (ConsumedStream stream : streams) {
            List<String> ids = List.copyOf(stream.inFlight);
            for (int i = 0; i < ids.size(); i += RENEW_CHUNK) {
                List<byte[]> args = new ArrayList<>(RENEW_CHUNK + 2);
                args.add(RedisQueue.utf8(keys.group()));
                args.add(RedisQueue.utf8(name));
                ids.subList(i, Math.min(ids.size(), i + RENEW_CHUNK)).forEach(id -> args.add(RedisQueue.utf8(id)));
                Script.RENEW.<List<Object>>run(queue.redis, ScriptOutputType.MULTI, new String[] {stream.name},
                        args.toArray(byte[][]::new)).thenAccept(lost -> lostLeases(stream, lost));
            }
        }
    }

    private void lostLeases(ConsumedStream stream, List<Object> lost) {
        for (Object id : lost) {
            if (stream.inFlight.remove(string(id))) {
                LOG.info("lost the lease of entry {} of {}: it was not renewed within the visibility timeout and"
                        + " another consumer took it; this consumer's settle of it will do nothing", string(id),
                        stream);
            }
        }
    }

    private <T> T await(CompletableFuture<T> future, long blockMs) throws InterruptedException {
        try {
            return future.get(config.commandTimeout().toMillis() + blockMs + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new IllegalStateException("no answer in time", e);
        }
    }

    private static boolean isNoGroup(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RedisCommandExecutionException && t.getMessage() != null
                    && t.getMessage().contains("NOGROUP")) {
                return true;
            }
        }
        return false;
    }

    private static String string(Object value) {
        return value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(value);
    }

    private static Map<String, byte[]> fields(List<?> flat) {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            fields.put(string(flat.get(i)), (byte[]) flat.get(i + 1));
        }
        return fields;
    }

    /** Hands back the entries read ahead, which no worker has seen, so others get them without a wait. */
    @Override
    public void close() {
        closed = true;
        for (Delivery unseen; (unseen = readAhead.poll()) != null; ) {
            try {
                unseen.defer(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("could not hand back {} ({}); it is reclaimed after the visibility timeout", unseen,
                        RedisBackend.describe(e));
            }
        }
        queue.closed(this);
        reader.close();
    }
}
