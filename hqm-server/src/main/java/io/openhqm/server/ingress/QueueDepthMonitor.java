package io.openhqm.server.ingress;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.openhqm.api.queue.Queue;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the queue depth in the background at a fixed interval, so the {@code queue.max_depth} check and the
 * {@code openhqm_queue_depth} gauge never wait for the backend. Between two readings it adds what this process
 * accepted since the last one, so a burst cannot overshoot the limit by more than other processes add.
 */
public final class QueueDepthMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueueDepthMonitor.class);

    private final Queue queue;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hqm-depth").daemon(true).factory());
    private volatile long sampled;
    private final AtomicLong addedSinceSample = new AtomicLong();
    private volatile boolean failing;

    public QueueDepthMonitor(Queue queue, String queueName, Duration interval, MeterRegistry meters) {
        this.queue = queue;
        Gauge.builder("openhqm.queue.depth", this, QueueDepthMonitor::current).tag("queue", queueName)
                .description("Messages in the queue: waiting, delayed for retry, and in flight").register(meters);
        refresh();
        timer.scheduleWithFixedDelay(this::refresh, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void refresh() {
        long added = addedSinceSample.get();
        try {
            sampled = queue.depth();
            addedSinceSample.addAndGet(-added);
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                LOG.warn("cannot read the queue depth: {}", e.getMessage());
            }
            failing = true;
        }
    }

    /** The last reading plus what this process accepted since. */
    public long current() {
        return sampled + addedSinceSample.get();
    }

    /**
     * Counts one message about to be published unless that would reach {@code limit}; {@link #release} undoes it
     * when the publish fails.
     *
     * @return whether there was room
     */
    public boolean tryAdd(long limit) {
        while (true) {
            long added = addedSinceSample.get();
            if (sampled + added >= limit) {
                return false;
            }
            if (addedSinceSample.compareAndSet(added, added + 1)) {
                return true;
            }
        }
    }

    /** Counts one message added without a limit. */
    public void add() {
        addedSinceSample.incrementAndGet();
    }

    /** Undoes one {@link #tryAdd} or {@link #add} whose message was not published. */
    public void release() {
        addedSinceSample.decrementAndGet();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
