package io.openhqm.server.ingress;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.openhqm.api.queue.Queue;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the queue depth in the background at a fixed interval, so the {@code queue.max_depth} check and the
 * {@code openhqm_queue_depth} gauge never wait for the backend.
 */
public final class QueueDepthMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueueDepthMonitor.class);

    private final Queue queue;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hqm-depth").daemon(true).factory());
    private volatile long current;
    private volatile boolean failing;

    public QueueDepthMonitor(Queue queue, String queueName, Duration interval, MeterRegistry meters) {
        this.queue = queue;
        Gauge.builder("openhqm.queue.depth", this, QueueDepthMonitor::current).tag("queue", queueName)
                .description("Messages in the queue: waiting, delayed for retry, and in flight").register(meters);
        refresh();
        timer.scheduleWithFixedDelay(this::refresh, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void refresh() {
        try {
            current = queue.depth();
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                LOG.warn("cannot read the queue depth: {}", e.getMessage());
            }
            failing = true;
        }
    }

    public long current() {
        return current;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
