package io.openhqm.api.egress;

import io.openhqm.api.message.Message;
import io.openhqm.api.processing.Attempt;
import io.openhqm.api.processing.Outcome;
import io.openhqm.api.processing.Processor;

/**
 * Forwards a message to a configured endpoint (the Queue → HTTP pattern). The endpoint is
 * {@code message.metadata().endpoint()} or the configured default; an egress never sends anywhere that is
 * not configured.
 *
 * <p>Thread-safe and called concurrently like a {@link Processor}. Results are values:
 * {@link Outcome.Completed} for a delivered message (2xx), {@link Outcome.Retry} for connect errors,
 * timeouts, 408, 429 and 5xx (with {@code Retry-After} as {@code after}), {@link Outcome.Failed} for other
 * 4xx, {@link Outcome.Deferred} while the endpoint's circuit breaker is open or its rate limit is reached.
 */
public interface Egress extends AutoCloseable {

    Outcome send(Message message, Attempt attempt) throws Exception;

    /** Releases connections; called once at shutdown after the last {@link #send} returned. */
    @Override
    default void close() {
    }
}
