package io.openhqm.plugin.embedded;

import static java.util.Objects.requireNonNull;

import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A worker loop's view of an {@link EmbeddedQueue}. An idle {@link #poll} sleeps on the database's signal:
 * woken at once by publishes, retries and defers in this process, by the due time of the next delayed
 * message, and every {@code poll_interval} to look for messages published by other processes.
 *
 * <p>Leases ahead: besides what a poll asks for, the consumer keeps up to as many leased messages as its largest
 * poll asked for, leased in the group commit after the poll that took the last ones, so a poll rarely waits for a
 * commit. They are leased like any other (renewed, redelivered if this process dies) and handed back, without
 * counting an attempt, when the consumer closes.
 */
final class EmbeddedQueueConsumer implements QueueConsumer {
    private final EmbeddedQueue queue;
    private final String name;
    private final long pollIntervalNanos;
    private final Clock clock;
    private volatile boolean closed;
    private final Object lock = new Object();
    private final ArrayDeque<EmbeddedDelivery> ahead = new ArrayDeque<>(); // guarded by lock
    private int aheadWanted; // guarded by lock: the largest max asked for
    private boolean leasingAhead; // guarded by lock

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
        synchronized (lock) {
            aheadWanted = Math.max(aheadWanted, max);
        }
        while (true) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (closed || queue.isClosed()) {
                return List.of();
            }
            long seen = signal.version();
            List<Delivery> taken = new ArrayList<>(max);
            boolean aheadComing;
            int extra;
            synchronized (lock) {
                while (taken.size() < max && !ahead.isEmpty()) {
                    taken.add(ahead.poll());
                }
                aheadComing = leasingAhead;
                extra = aheadWanted - ahead.size();
            }
            if (!taken.isEmpty()) {
                leaseAhead();
                return taken;
            }
            if (aheadComing) { // it commits first and holds the oldest messages: wait for it instead of leasing
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return List.of();
                }
                signal.await(seen, remaining, TimeUnit.NANOSECONDS);
                continue;
            }
            EmbeddedQueue.LeaseResult result = queue.lease(this, max + extra);
            if (!result.rows().isEmpty()) {
                List<EmbeddedDelivery> leased = queue.deliveries(this, result);
                if (leased.size() > max) {
                    keepAhead(leased.subList(max, leased.size()));
                }
                return List.copyOf(leased.subList(0, Math.min(max, leased.size())));
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

    /** Leases, in the next group commit, what is missing of the messages kept ahead, unless that is under way. */
    private void leaseAhead() {
        int wanted;
        synchronized (lock) {
            wanted = aheadWanted - ahead.size();
            if (leasingAhead || wanted <= 0 || closed) {
                return;
            }
            leasingAhead = true;
        }
        queue.leaseAsync(wanted).whenComplete((result, failure) -> {
            keepAhead(failure == null ? queue.deliveries(this, result) : List.of());
            queue.signal().signalAll(); // a poll may be waiting for these
        });
    }

    private void keepAhead(List<EmbeddedDelivery> deliveries) {
        synchronized (lock) {
            leasingAhead = false;
            if (!closed && !queue.isClosed()) {
                ahead.addAll(deliveries);
                return;
            }
        }
        queue.handBackUnused(deliveries);
    }

    @Override
    public void close() {
        List<EmbeddedDelivery> unused;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            unused = List.copyOf(ahead);
            ahead.clear();
        }
        queue.handBackUnused(unused);
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
