package io.openhqm.plugin.embedded;

import static io.openhqm.plugin.embedded.Fixtures.process;
import static io.openhqm.plugin.embedded.Fixtures.queue;
import static io.openhqm.plugin.embedded.Fixtures.store;
import static io.openhqm.toolkit.testing.DeadLetterBrowserContract.message;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openhqm.api.message.Message;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.DeadLetterEntry;
import io.openhqm.api.queue.DeadLetterFilter;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueStats;
import io.openhqm.toolkit.testing.DeadLetterBrowserContract;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The dead-letter browser's admin operations on a real SQLite database: list, get, redrive, delete. */
@Timeout(60)
class EmbeddedDeadLetterBrowserTest {
    private static final Duration SECOND = Duration.ofSeconds(1);

    @TempDir
    Path home;

    @Test
    void listsNewestFirstByPagesAndFilters() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            DeadLetterBrowserContract.listsNewestFirstByPagesAndFilters(queue.deadLetterBrowser().orElseThrow(),
                    (message, reason) -> deadLetter(queue, consumer, message, reason));
        }
    }

    @Test
    void purgesWhatTheFilterMatches() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            DeadLetterBrowserContract.purgesWhatTheFilterMatches(queue.deadLetterBrowser().orElseThrow(),
                    (message, reason) -> deadLetter(queue, consumer, message, reason));
        }
    }

    @Test
    void trimsByAgeAndByCount() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            DeadLetterBrowserContract.trimsByAgeAndByCount(queue.deadLetterBrowser().orElseThrow(),
                    (message, reason) -> deadLetter(queue, consumer, message, reason));
        }
    }

    @Test
    void statsCountInFlightAndDelayedMessages() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            assertEquals(new QueueStats(0L, 0L), queue.stats());
            for (int i = 0; i < 3; i++) {
                queue.publish(message("s" + i, null)).toCompletableFuture().join();
            }
            List<Delivery> two = consumer.poll(2, SECOND);
            assertEquals(2, two.size());
            assertEquals(new QueueStats(3L, 0L), queue.stats(), "the third is leased ahead for the next poll");
            two.getFirst().retry(Duration.ofMinutes(5), "HTTP 503");
            assertEquals(new QueueStats(2L, 1L), queue.stats());
            assertEquals(3, queue.depth());
        }
    }

    @Test
    void redriveMovesTheLetterBackWithAFreshAttemptBudgetAndDeleteRemovesIt() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            DeadLetterBrowser browser = queue.deadLetterBrowser().orElseThrow();
            Message original = message("again", "orders");
            queue.publish(original).toCompletableFuture().join();
            consumer.poll(1, SECOND).getFirst().retry(Duration.ZERO, "HTTP 503");
            consumer.poll(1, SECOND).getFirst().deadLetter("max retries exceeded");
            deadLetter(queue, consumer, message("gone", null), "HTTP 400");

            DeadLetterEntry entry = browser.list(new DeadLetterFilter("orders", null, null, null), 1, null)
                    .entries().getFirst();
            assertEquals(Optional.of(entry), browser.get(entry.id()));
            assertEquals(1, entry.letter().history().size());
            assertEquals(Optional.empty(), browser.get("999999"));
            assertEquals(Optional.empty(), browser.get("x'; DROP TABLE dead_letters"));

            DeadLetterBrowserContract.redrivesOnceThenDeletes(browser, entry, original,
                    () -> consumer.poll(1, SECOND).getFirst(), queue::depth);
        }
    }

    @Test
    void reopenReplacesEvenATerminalRecord() {
        try (TestPluginContext process = process(home, "a");
             EmbeddedResultStore results = store(process, Duration.ofMinutes(5))) {
            DeadLetterBrowserContract.reopenReplacesEvenATerminalRecord(results);
        }
    }

    private static void deadLetter(EmbeddedQueue queue, QueueConsumer consumer, Message message, String reason)
            throws InterruptedException {
        queue.publish(message).toCompletableFuture().join();
        consumer.poll(1, SECOND).getFirst().deadLetter(reason);
    }
}
