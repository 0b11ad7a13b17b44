package io.openhqm.plugin.redis;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker loop's reader of the request stream. Each {@link #poll} does, in order: on the first polls, take back
 * what a previous run under the same consumer name left pending ({@code recover.lua}); move due delayed messages
 * into the stream ({@code move_due.lua}, a few times a second at most); reclaim entries idle longer than the
 * visibility timeout from any consumer ({@code reclaim.lua}, XAUTOCLAIM); then read new entries with
 * {@code XREADGROUP ... BLOCK} on this consumer's own connection, so blocking never holds up the shared one.
 *
 * <p>An entry delivered {@code max_deliveries} times without ever being settled (its worker died or hung each
 * time) is dead-lettered instead of delivered again, and its record is marked FAILED. Used by one thread at a time
 * (the leases are renewed from the queue's timer thread).
 */
final class RedisConsumer implements QueueConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(RedisConsumer.class);
    private static final long MOVE_INTERVAL_MS = 250;
    static final String UNSETTLED = "not settled within the visibility timeout (its worker stopped or hung)";

    private final RedisQueue queue;
    private final RedisConfig config;
    private final String name;
    private final Consumer<String> groupConsumer;
    private final StatefulRedisConnection<String, byte[]> reader;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<String> abandoned = ConcurrentHashMap.newKeySet();
    private final long reclaimIntervalNanos;
    private boolean recovered;
    private String recoverFrom = "-";
    private String reclaimCursor = "0-0";
    private long nextReclaim;
    private long nextMove;
    private volatile boolean closed;

    RedisConsumer(RedisQueue queue, String name) {
        this.queue = queue;
        this.config = queue.config;
        this.name = name;
        this.groupConsumer = Consumer.from(config.consumerGroup(), name);
        this.reader = queue.backend.connectDedicated();
        long visibility = config.visibilityTimeout().toNanos();
        this.reclaimIntervalNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(100),
                Math.min(visibility / 4, TimeUnit.SECONDS.toNanos(5)));
        long now = System.nanoTime();
        this.nextReclaim = now;
        this.nextMove = now;
    }

    @Override
    public List<Delivery> poll(int max, Duration maxWait) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("consumer closed");
        }
        int limit = Math.max(1, Math.min(max, config.batchSize()));
        List<Delivery> out = new ArrayList<>();
        try {
            if (!recovered) {
                recover(limit, out);
                if (!out.isEmpty()) {
                    return out;
                }
            }
            if (!abandoned.isEmpty()) {
                takeBackAbandoned(limit, out);
                if (!out.isEmpty()) {
                    return out;
                }
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
            return out;
        } catch (InterruptedException e) {
            abandon(out);
            throw e;
        } catch (RuntimeException e) {
            abandon(out);
            if (isNoGroup(e)) {
                LOG.warn("the consumer group {} of stream {} is gone (Redis restarted without its data?);"
                        + " creating it again", config.consumerGroup(), queue.stream);
                queue.ensureGroup();
                return List.of();
            }
            throw queue.backend.failure("reading stream " + queue.stream, e);
        }
    }

    /** Deliveries taken in a poll that failed before returning them: deliver them again by the next polls. */
    private void abandon(List<Delivery> taken) {
        for (Delivery delivery : taken) {
            String id = ((RedisDelivery) delivery).entryId();
            inFlight.remove(id);
            abandoned.add(id);
        }
    }

    private void read(int count, long blockMs, List<Delivery> out) throws InterruptedException {
        XReadArgs args = XReadArgs.Builder.count(count);
        if (blockMs > 0) {
            args.block(blockMs);
        }
        List<StreamMessage<String, byte[]>> entries = await(reader.async().xreadgroup(groupConsumer, args,
                XReadArgs.StreamOffset.lastConsumed(queue.stream)).toCompletableFuture(), blockMs);
        for (StreamMessage<String, byte[]> entry : entries) {
            deliver(entry.getId(), 1, entry.getBody(), out);
        }
    }

    private void moveDue(long now, int limit) throws InterruptedException {
        List<Object> result = await(Script.MOVE_DUE.<List<Object>>run(queue.redis, ScriptOutputType.MULTI,
                new String[] {queue.delayedSet, queue.stream}, RedisQueue.utf8(Integer.toString(limit)),
                RedisQueue.utf8(queue.delayedHashPrefix), RedisQueue.utf8(Long.toString(config.maxStreamLength()))), 0);
        long moved = (Long) result.get(0);
        long wait = (Long) result.get(1);
        long next = moved >= limit ? 0 : wait < 0 ? MOVE_INTERVAL_MS : Math.min(Math.max(wait, 5), MOVE_INTERVAL_MS);
        nextMove = now + TimeUnit.MILLISECONDS.toNanos(next);
    }

    private void recover(int limit, List<Delivery> out) throws InterruptedException {
        List<Object> result = await(Script.RECOVER.<List<Object>>run(queue.redis, ScriptOutputType.MULTI,
                new String[] {queue.stream}, RedisQueue.utf8(config.consumerGroup()), RedisQueue.utf8(name),
                RedisQueue.utf8(recoverFrom), RedisQueue.utf8(Integer.toString(limit))), 0);
        for (Object item : result) {
            List<?> e = (List<?>) item;
            String id = string(e.get(0));
            recoverFrom = id;
            long deliveries = (Long) e.get(1);
            if (deliveries > 0) {
                deliver(id, deliveries, fields((List<?>) e.get(2)), out);
            }
        }
        if (result.size() < limit) {
            recovered = true;
            if (!out.isEmpty() || !result.isEmpty()) {
                LOG.info("took back {} message(s) left in flight by an earlier run of consumer {}", out.size(), name);
            }
        }
    }

    /** Delivers again the entries whose settling failed, once Redis answers again. */
    private void takeBackAbandoned(int limit, List<Delivery> out) throws InterruptedException {
        List<String> ids = abandoned.stream().limit(limit).toList();
        List<byte[]> args = new ArrayList<>(ids.size() + 2);
        args.add(RedisQueue.utf8(config.consumerGroup()));
        args.add(RedisQueue.utf8(name));
        ids.forEach(id -> args.add(RedisQueue.utf8(id)));
        List<Object> result = await(Script.CLAIM_IDS.<List<Object>>run(queue.redis, ScriptOutputType.MULTI,
                new String[] {queue.stream}, args.toArray(byte[][]::new)), 0);
        ids.forEach(abandoned::remove);
        for (Object item : result) {
            List<?> e = (List<?>) item;
            deliver(string(e.get(0)), (Long) e.get(1), fields((List<?>) e.get(2)), out);
        }
        if (!out.isEmpty()) {
            LOG.info("delivering again {} message(s) whose outcome could not be settled while Redis was unreachable",
                    out.size());
        }
    }

    private void reclaim(long now, int limit, List<Delivery> out) throws InterruptedException {
        List<Object> result = await(Script.RECLAIM.<List<Object>>run(queue.redis, ScriptOutputType.MULTI,
                new String[] {queue.stream}, RedisQueue.utf8(config.consumerGroup()), RedisQueue.utf8(name),
                RedisQueue.utf8(Long.toString(config.visibilityTimeout().toMillis())), RedisQueue.utf8(reclaimCursor),
                RedisQueue.utf8(Integer.toString(limit))), 0);
        reclaimCursor = string(result.get(0));
        int before = out.size();
        for (int i = 1; i < result.size(); i++) {
            List<?> e = (List<?>) result.get(i);
            deliver(string(e.get(0)), (Long) e.get(1), fields((List<?>) e.get(2)), out);
        }
        int taken = result.size() - 1;
        if (taken > 0) {
            queue.reclaimed.increment(taken);
            LOG.info("reclaimed {} message(s) left unsettled past the visibility timeout", taken);
        }
        // Continue the scan at once while the cursor has not wrapped around; otherwise wait an interval.
        nextReclaim = "0-0".equals(reclaimCursor) || out.size() == before && taken == 0
                ? now + reclaimIntervalNanos : now;
    }

    /** Turns an entry into a delivery, or dead-letters it when it cannot or must not be delivered again. */
    private void deliver(String id, long deliveries, Map<String, byte[]> fields, List<Delivery> out) {
        EntryFormat.Decoded decoded;
        try {
            decoded = EntryFormat.decode(id, fields);
        } catch (EntryFormat.Undecodable e) {
            LOG.warn("entry {} of stream {} is not a message ({}); moving it to the dead-letter queue", id,
                    queue.stream, e.getMessage());
            queue.deadLetter(id, fields, "not a message: " + e.getMessage());
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
        if (unsettled >= config.maxDeliveries()) {
            String reason = "delivered " + unsettled + " times without being settled within the visibility timeout"
                    + " (queue.redis.max_deliveries = " + config.maxDeliveries() + ")";
            LOG.warn("message {} (entry {}): {}; moving it to the dead-letter queue",
                    decoded.message().correlationId(), id, reason);
            Map<String, byte[]> dead = new LinkedHashMap<>(EntryFormat.encode(decoded.message(), attempt - 1, history));
            queue.deadLetter(id, dead, reason).thenAccept(moved -> {
                if (moved) {
                    queue.failRecord(decoded.message(), attempt - 1, reason);
                }
            });
            return;
        }
        inFlight.add(id);
        out.add(new RedisDelivery(this, id, decoded.message(), attempt, history));
    }

    RedisQueue queue() {
        return queue;
    }

    /** A settle of {@code entryId} is under way: stop renewing its lease. */
    void settling(String entryId) {
        inFlight.remove(entryId);
    }

    void settled(String entryId) {
        abandoned.remove(entryId);
    }

    /** Settling {@code entryId} failed; unless a later settle succeeds, it is delivered again by the next polls. */
    void settleFailed(String entryId) {
        abandoned.add(entryId);
    }

    /** Resets the idle time of this consumer's in-flight entries (without counting a delivery). */
    void renewLeases() {
        if (inFlight.isEmpty() || closed) {
            return;
        }
        List<String> ids = List.copyOf(inFlight);
        for (int i = 0; i < ids.size(); i += 500) {
            String[] chunk = ids.subList(i, Math.min(ids.size(), i + 500)).toArray(String[]::new);
            queue.redis.xclaim(queue.stream, groupConsumer, XClaimArgs.Builder.justid().minIdleTime(0), chunk);
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

    @Override
    public void close() {
        closed = true;
        queue.closed(this);
        reader.close();
    }
}
