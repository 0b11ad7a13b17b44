package io.openhqm.api.queue;

import java.util.List;

/**
 * One page of a {@link DeadLetterBrowser#list listing}, newest first.
 *
 * @param entries    the dead letters of this page; possibly fewer than asked for, even none, while
 *                   {@code nextCursor} is set (a browser may stop scanning after a bound of its own)
 * @param nextCursor where the next page starts, opaque to the caller; {@code null} when no further dead letter
 *                   matches
 * @since 1.1
 */
public record DeadLetterPage(List<DeadLetterEntry> entries, String nextCursor) {
    public DeadLetterPage {
        entries = List.copyOf(entries);
    }
}
