package io.openhqm.plugin.embedded;

import static java.util.Objects.requireNonNull;

import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A worker loop's view of an {@link EmbeddedQueue}. An idle {@link #poll} sleeps on the database's signal:
 * woken at once by publishes, retries and defers in this process, by the due time of the next delayed
 * message, and every {@code poll_interval} to look for messages published by other processes.
 */
final class EmbeddedQueueConsumer implements QueueConsumer {
    private final EmbeddedQueue queue;
    private final String name;
    private final long pollIntervalNanos;
    private final Clock clock;
    private volatile boolean closed;

    EmbeddedQueueConsumer(EmbeddedQueue queue, String name, Duration pollInterval, Clock clock) {
        this.queue = queue;
        this.name = name;
        this.pollIntervalNanos = pollInterval.toNanos();
        this.clock = clock;
    }

    @Override
    public List<Delivery> poll(int max, Duration maxWait) throws InterruptedException {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, was " + max);
        }
        requireNonNull(maxWait, "maxWait is null");
        if (closed) {
            throw new IllegalStateException("consumer " + name + " is closed");
        }
        long deadline = System.nanoTime() + saturatedNanos(maxWait);
        Signal signal = queue.signal();
        while (true) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (closed || queue.isClosed()) {
                return List.of();
            }
            long seen = signal.version();
            EmbeddedQueue.LeaseResult result = queue.lease(this, max);
            if (!result.rows().isEmpty()) {
                return queue.deliveries(this, result);
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return List.of();
            }
            long wait = Math.min(remaining, pollIntervalNanos);
            if (result.nextVisibleAt() != null) {
                long untilDue = Math.max(1, result.nextVisibleAt() - clock.millis());
                wait = Math.min(wait, TimeUnit.MILLISECONDS.toNanos(untilDue));
            }
            signal.await(seen, wait, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.removeConsumer(this);
        queue.signal().signalAll();
    }

    boolean isClosed() {
        return closed;
    }

    String name() {
        return name;
    }

    private static long saturatedNanos(Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2;
        }
    }
}
