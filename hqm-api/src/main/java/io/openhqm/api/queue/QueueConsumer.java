package io.openhqm.api.queue;

import java.time.Duration;
import java.util.List;

/**
 * Pulls deliveries from a {@link Queue} for one worker loop. Used by one thread at a time.
 *
 * <p>Closing the consumer does not settle deliveries already handed out; they must be settled (or are
 * redelivered after the adapter's visibility timeout or a restart).
 */
public interface QueueConsumer extends AutoCloseable {

    /**
     * Waits up to {@code maxWait} for at least one message that is due and returns up to {@code max} of
     * them; an empty list when none arrived in time. Delayed (retrying) messages are returned only when due.
     *
     * @throws InterruptedException when the thread is interrupted (server shutdown)
     * @throws io.openhqm.api.HqmException TRANSIENT when the backend is unreachable; the caller backs off
     */
    List<Delivery> poll(int max, Duration maxWait) throws InterruptedException;

    @Override
    void close();
}
