package io.openhqm.plugin.embedded;

import io.openhqm.api.HqmException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refusals of new work because a backlog of the database is full: the caller gets a TRANSIENT failure it can
 * act on (the server answers 503 with {@code Retry-After}); the operator gets the numbers in the log, at most
 * once every {@value #LOG_EVERY_SECONDS} s, so an overload does not flood the log too.
 */
final class Overload {
    static final String MESSAGE = "the embedded queue is overloaded; retry later";
    private static final Logger LOG = LoggerFactory.getLogger(Overload.class);
    private static final long LOG_EVERY_SECONDS = 10;

    private final String backlog;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong nextLogAt = new AtomicLong(System.nanoTime());

    /** {@code backlog} names the backlog for the log, e.g. {@code "data/openhqm.db writer"}. */
    Overload(String backlog) {
        this.backlog = backlog;
    }

    HqmException refuse(String why) {
        long total = refused.incrementAndGet();
        long now = System.nanoTime();
        long next = nextLogAt.get();
        if (now - next >= 0 && nextLogAt.compareAndSet(next, now + TimeUnit.SECONDS.toNanos(LOG_EVERY_SECONDS))) {
            LOG.warn("{}: refusing new work, {} (queue.embedded.max_backlog); {} refused since start", backlog, why,
                    total);
        }
        return HqmException.transientFailure(MESSAGE, null);
    }

    long refused() {
        return refused.get();
    }
}
