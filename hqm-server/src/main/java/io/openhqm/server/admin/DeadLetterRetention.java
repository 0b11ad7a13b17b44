package io.openhqm.server.admin;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.server.config.ServerConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces {@code queue.dlq_retention} in a worker process: at start and then every interval, removes the dead
 * letters older than the maximum age and the oldest beyond the maximum count ({@link DeadLetterBrowser#trim}),
 * counted by {@code openhqm_queue_dlq_trimmed_total}. Several processes may do it at once: a trim is idempotent. A
 * failed trim is logged and tried again at the next interval.
 */
public final class DeadLetterRetention implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterRetention.class);

    private final DeadLetterBrowser browser;
    private final ServerConfig.DlqRetention retention;
    private final Clock clock;
    private final Counter trimmed;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hqm-dlq-retention").daemon(true).factory());

    public DeadLetterRetention(DeadLetterBrowser browser, ServerConfig.DlqRetention retention, String deadLetterQueue,
                               Clock clock, MeterRegistry meters) {
        this.browser = requireNonNull(browser, "browser is null");
        this.retention = requireNonNull(retention, "retention is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.trimmed = Counter.builder("openhqm.queue.dlq.trimmed").tag("queue", deadLetterQueue)
                .description("Dead letters removed by queue.dlq_retention").register(meters);
    }

    public DeadLetterRetention start() {
        long every = retention.interval().toMillis();
        timer.scheduleWithFixedDelay(this::trim, 0, every, TimeUnit.MILLISECONDS);
        return this;
    }

    private void trim() {
        Instant olderThan = retention.maxAge().isZero() ? null : clock.instant().minus(retention.maxAge());
        long maxCount = retention.maxCount() == 0 ? Long.MAX_VALUE : retention.maxCount();
        try {
            long removed = browser.trim(olderThan, maxCount);
            if (removed > 0) {
                trimmed.increment(removed);
                LOG.info("removed {} dead letter(s) beyond queue.dlq_retention", removed);
            }
        } catch (RuntimeException e) {
            LOG.warn("enforcing queue.dlq_retention failed, trying again in {} ms: {}", retention.interval().toMillis(),
                    e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
