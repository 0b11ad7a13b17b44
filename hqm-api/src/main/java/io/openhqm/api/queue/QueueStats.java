package io.openhqm.api.queue;

/**
 * Parts of a {@link Queue#depth() queue's depth}, each {@code null} when the queue cannot tell.
 *
 * @param inFlight messages delivered to a consumer and not yet settled
 * @param delayed  messages waiting for a later time (a retry's backoff, a deferral) before they are delivered again
 * @since 1.1
 */
public record QueueStats(Long inFlight, Long delayed) {
    /** Nothing known. */
    public static final QueueStats UNKNOWN = new QueueStats(null, null);
}
