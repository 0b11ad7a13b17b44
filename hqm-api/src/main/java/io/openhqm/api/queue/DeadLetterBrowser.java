package io.openhqm.api.queue;

import java.util.List;

/**
 * Reads the dead letters of one {@link Queue}: an optional capability ({@link Queue#deadLetterBrowser()}) used by
 * the admin API. A queue whose backend cannot list what it dead-lettered simply does not offer one.
 *
 * <p>It will grow with the admin API, by {@code default} methods only, so an implementation written now keeps
 * working: get one dead letter by id, redrive (send back to the queue), purge.
 *
 * <p>Thread-safe; valid until its queue is closed, and entered, like every call into a plugin, with the plugin's
 * class loader as the thread context class loader. Failures: methods throw {@link io.openhqm.api.HqmException};
 * kind TRANSIENT when the backend is unreachable or the queue is closed.
 *
 * @since 1.1
 */
public interface DeadLetterBrowser {

    /**
     * Up to {@code limit} dead letters, the most recently dead-lettered first.
     *
     * @param limit how many at most; {@code 0} gives an empty list
     * @throws IllegalArgumentException if {@code limit} is negative
     */
    List<DeadLetter> newest(int limit);

    /** How many dead letters the queue holds. */
    long count();
}
