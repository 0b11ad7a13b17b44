package io.openhqm.api.queue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Reads the dead letters of one {@link Queue}: an optional capability ({@link Queue#deadLetterBrowser()}) used by
 * the admin API. A queue whose backend cannot list what it dead-lettered simply does not offer one.
 *
 * <p>It grows with the admin API by {@code default} methods only, so an implementation written against an earlier
 * 1.1 build keeps working: {@link #list}, {@link #get}, {@link #redrive} and {@link #delete} throw
 * {@link UnsupportedOperationException} unless the browser overrides them (the admin API then answers 501);
 * {@link #purge} and {@link #trim} work through {@link #list} and {@link #delete} unless the browser does them in
 * fewer round trips.
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

    /**
     * One page of the dead letters that match {@code filter}, the most recently dead-lettered first. Paging is
     * stable while dead letters are added, redriven or deleted: a page starts after the last dead letter its cursor
     * stood for, so none is listed twice, and those added after the first page are not listed by later ones.
     *
     * @param filter which dead letters to list ({@link DeadLetterFilter#ALL} for all)
     * @param limit  how many at most, from 1
     * @param cursor {@code null} for the first page, else a {@link DeadLetterPage#nextCursor()} this browser returned
     * @throws IllegalArgumentException if {@code limit} is below 1
     * @throws io.openhqm.api.HqmException kind INPUT if {@code cursor} is not one this browser issued
     * @since 1.1
     */
    default DeadLetterPage list(DeadLetterFilter filter, int limit, String cursor) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot list dead letters by page");
    }

    /**
     * The dead letter with {@code id}, or empty if there is none (never was, or it was redriven or deleted, or
     * {@code id} is not of this browser's form).
     *
     * @since 1.1
     */
    default Optional<DeadLetterEntry> get(String id) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot read a dead letter by id");
    }

    /**
     * Moves the dead letter {@code id} back to its queue, atomically: after a crash at any instant the message is
     * either still a dead letter or queued again, never both and never neither. It keeps its correlation id, body
     * and metadata, and gets a fresh attempt budget (its next delivery is attempt 1, with an empty history). The
     * caller makes the message's result record PENDING again first ({@link
     * io.openhqm.api.result.ResultStore#reopen}), or the engine would skip it as finished.
     *
     * @return whether it was moved; {@code false} if there is no dead letter {@code id}
     * @since 1.1
     */
    default boolean redrive(String id) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot redrive dead letters");
    }

    /**
     * Removes the dead letter {@code id} for good.
     *
     * @return whether it was removed; {@code false} if there is no dead letter {@code id}
     * @since 1.1
     */
    default boolean delete(String id) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot delete dead letters");
    }

    /**
     * Removes for good every dead letter that matches {@code filter} ({@link DeadLetterFilter#ALL}: all of them);
     * those dead-lettered while it runs may stay. The default lists the matches page by page and deletes them one by
     * one; a browser whose backend can delete by the filter's terms overrides it.
     *
     * @return how many were removed
     * @throws UnsupportedOperationException if the browser cannot {@link #list} or {@link #delete}
     * @since 1.1
     */
    default long purge(DeadLetterFilter filter) {
        long removed = 0;
        String cursor = null;
        do {
            DeadLetterPage page = list(filter, 500, cursor);
            for (DeadLetterEntry entry : page.entries()) {
                if (delete(entry.id())) {
                    removed++;
                }
            }
            cursor = page.nextCursor();
        } while (cursor != null);
        return removed;
    }

    /**
     * Enforces a retention: removes the dead letters dead-lettered before {@code olderThan}, then the oldest ones
     * beyond the newest {@code maxCount}. Called periodically by the server, so it should be cheap when there is
     * nothing to remove. The default does it through {@link #purge}, {@link #count}, {@link #list} and
     * {@link #delete}; a browser whose backend can trim by time or length overrides it.
     *
     * @param olderThan remove those dead-lettered before this instant; {@code null} for no age limit
     * @param maxCount  keep at most this many, from 0; {@link Long#MAX_VALUE} for no count limit
     * @return how many were removed
     * @throws IllegalArgumentException if {@code maxCount} is negative
     * @since 1.1
     */
    default long trim(Instant olderThan, long maxCount) {
        if (maxCount < 0) {
            throw new IllegalArgumentException("maxCount must not be negative, was " + maxCount);
        }
        long removed = olderThan == null ? 0 : purge(new DeadLetterFilter(null, null, null, olderThan));
        if (maxCount == Long.MAX_VALUE || count() <= maxCount) {
            return removed;
        }
        long kept = 0;
        String cursor = null;
        do {
            DeadLetterPage page = list(DeadLetterFilter.ALL, 500, cursor);
            for (DeadLetterEntry entry : page.entries()) {
                if (kept < maxCount) {
                    kept++;
                } else if (delete(entry.id())) {
                    removed++;
                }
            }
            cursor = page.nextCursor();
        } while (cursor != null);
        return removed;
    }
}
