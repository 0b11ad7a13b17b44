package io.openhqm.toolkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.DeadLetterEntry;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.DeadLetterFilter;
import io.openhqm.api.queue.DeadLetterPage;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.Status;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * What every {@link DeadLetterBrowser} listing must do, whatever its backend: newest first, by pages that follow
 * the cursor, filtered by endpoint, error text and time; and the result store's {@code reopen} a redrive needs. A queue
 * plugin's own test runs it on its real backend.
 */
public final class DeadLetterBrowserContract {

    /** Moves {@code message} to the dead letters of the queue under test with {@code reason}. */
    public interface DeadLettering {
        void deadLetter(Message message, String reason) throws Exception;
    }

    /** The next delivery of the queue under test. */
    public interface NextDelivery {
        Delivery poll() throws Exception;
    }

    private DeadLetterBrowserContract() {
    }

    /**
     * Redrives {@code entry} (the dead letter of {@code original}; one more dead letter besides it): it comes back
     * once, as a first attempt with no history; then deletes the other one, which cannot be redriven after.
     */
    public static void redrivesOnceThenDeletes(DeadLetterBrowser browser, DeadLetterEntry entry, Message original,
                                               NextDelivery queue, LongSupplier depth) throws Exception {
        assertTrue(browser.redrive(entry.id()));
        assertFalse(browser.redrive(entry.id()), "a dead letter is redriven once");
        assertEquals(1, browser.count());
        assertEquals(Optional.empty(), browser.get(entry.id()));
        assertEquals(1, depth.getAsLong());
        Delivery again = queue.poll();
        assertEquals(original, again.message());
        assertEquals(1, again.attempt());
        assertEquals(List.of(), again.history());
        again.ack();

        String gone = browser.list(DeadLetterFilter.ALL, 1, null).entries().getFirst().id();
        assertTrue(browser.delete(gone));
        assertFalse(browser.delete(gone));
        assertFalse(browser.redrive(gone));
        assertEquals(0, browser.count());
        assertEquals(0, depth.getAsLong());
    }

    /** Dead-letters five messages through {@code queue} (the browser must be empty) and lists them every way. */
    public static void listsNewestFirstByPagesAndFilters(DeadLetterBrowser browser, DeadLettering queue)
            throws Exception {
        assertEquals(new DeadLetterPage(List.of(), null), browser.list(DeadLetterFilter.ALL, 10, null));
        Instant start = Instant.now().minusMillis(1);
        for (int i = 0; i < 5; i++) {
            queue.deadLetter(message("m" + i, i % 2 == 0 ? "orders" : "billing"),
                    i % 2 == 0 ? "HTTP 500 from orders" : "connect timed out");
        }
        Instant end = Instant.now().plusMillis(1);

        List<String> all = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            DeadLetterPage page = browser.list(DeadLetterFilter.ALL, 2, cursor);
            all.addAll(ids(page));
            cursor = page.nextCursor();
            pages++;
        } while (cursor != null);
        assertEquals(List.of("m4", "m3", "m2", "m1", "m0"), all);
        assertEquals(3, pages);

        DeadLetterFilter orders = new DeadLetterFilter("orders", null, null, null);
        assertEquals(List.of("m4", "m2", "m0"), ids(browser.list(orders, 10, null)));
        assertEquals(List.of("m3", "m1"), ids(browser.list(new DeadLetterFilter(null, "CONNECT", null, null), 10,
                null)));
        assertEquals(List.of(), ids(browser.list(new DeadLetterFilter("billing", "500", null, null), 10, null)));
        assertEquals(5, ids(browser.list(new DeadLetterFilter(null, null, start, end), 10, null)).size());
        assertEquals(List.of(), ids(browser.list(new DeadLetterFilter(null, null, end, null), 10, null)));
        assertEquals(List.of(), ids(browser.list(new DeadLetterFilter(null, null, null, start), 10, null)));

        DeadLetterPage first = browser.list(orders, 1, null);
        assertEquals(List.of("m4"), ids(first));
        assertEquals(List.of("m2"), ids(browser.list(orders, 1, first.nextCursor())));

        HqmException bad = assertThrows(HqmException.class, () -> browser.list(DeadLetterFilter.ALL, 1, "nope"));
        assertEquals(ErrorKind.INPUT, bad.kind());
        assertThrows(IllegalArgumentException.class, () -> browser.list(DeadLetterFilter.ALL, 0, null));
    }

    /**
     * Dead-letters four messages through {@code queue} (the browser must be empty) and purges them by filter: only
     * the matching ones go, and an empty filter takes the rest.
     */
    public static void purgesWhatTheFilterMatches(DeadLetterBrowser browser, DeadLettering queue) throws Exception {
        for (int i = 0; i < 4; i++) {
            queue.deadLetter(message("p" + i, i % 2 == 0 ? "orders" : "billing"),
                    i % 2 == 0 ? "HTTP 500 from orders" : "connect timed out");
        }
        assertEquals(0, browser.purge(new DeadLetterFilter("orders", "timed out", null, null)));
        assertEquals(2, browser.purge(new DeadLetterFilter("orders", null, null, null)));
        assertEquals(2, browser.count());
        assertEquals(List.of("p3", "p1"), ids(browser.list(DeadLetterFilter.ALL, 10, null)));
        assertEquals(0, browser.purge(new DeadLetterFilter(null, null, Instant.now().plusSeconds(60), null)));
        assertEquals(2, browser.purge(DeadLetterFilter.ALL));
        assertEquals(0, browser.count());
        assertEquals(0, browser.purge(DeadLetterFilter.ALL));
    }

    /**
     * Dead-letters three messages, then two more after a cutoff (the browser must be empty), and trims: by age the
     * three older ones go, by count the oldest beyond the limit; with nothing to remove a trim removes nothing.
     */
    public static void trimsByAgeAndByCount(DeadLetterBrowser browser, DeadLettering queue) throws Exception {
        for (int i = 0; i < 3; i++) {
            queue.deadLetter(message("old" + i, null), "HTTP 500");
        }
        Thread.sleep(50);
        Instant cutoff = Instant.now();
        Thread.sleep(50);
        for (int i = 0; i < 2; i++) {
            queue.deadLetter(message("new" + i, null), "HTTP 500");
        }
        assertEquals(0, browser.trim(null, Long.MAX_VALUE));
        assertEquals(0, browser.trim(cutoff.minusSeconds(60), 5));
        assertEquals(5, browser.count());

        assertEquals(3, browser.trim(cutoff, Long.MAX_VALUE));
        assertEquals(List.of("new1", "new0"), ids(browser.list(DeadLetterFilter.ALL, 10, null)));
        assertEquals(1, browser.trim(cutoff, 1));
        assertEquals(List.of("new1"), ids(browser.list(DeadLetterFilter.ALL, 10, null)));
        assertEquals(0, browser.trim(cutoff, 1));
        assertEquals(1, browser.trim(null, 0));
        assertEquals(0, browser.count());
        assertThrows(IllegalArgumentException.class, () -> browser.trim(null, -1));
    }

    /** The result store's half of a redrive: {@code reopen} replaces even a terminal record, which {@code put} keeps. */
    public static void reopenReplacesEvenATerminalRecord(ResultStore results) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        RequestRecord pending = RequestRecord.pending("reopened", now, "owner");
        results.put(pending.processing(1, now).finished(Status.FAILED, null, "HTTP 500", 3, now))
                .toCompletableFuture().join();
        results.put(pending).toCompletableFuture().join();
        assertEquals(Status.FAILED, results.get("reopened").toCompletableFuture().join().orElseThrow().status());

        results.reopen(pending).toCompletableFuture().join();
        RequestRecord reopened = results.get("reopened").toCompletableFuture().join().orElseThrow();
        assertEquals(Status.PENDING, reopened.status());
        assertEquals(0, reopened.attempts());
        assertNull(reopened.startedAt());
        assertEquals("owner", reopened.owner());
    }

    /** A small JSON message for {@code endpoint} (or none), submitted now to the millisecond. */
    public static Message message(String id, String endpoint) {
        return new Message(id, ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8), "application/json",
                Map.of(), new MessageMetadata(endpoint, null, null, null, 0, null,
                        Instant.now().truncatedTo(ChronoUnit.MILLIS), null, null));
    }

    /** The correlation ids of a page's dead letters, in order. */
    public static List<String> ids(DeadLetterPage page) {
        return page.entries().stream().map(e -> e.letter().message().correlationId()).toList();
    }
}
