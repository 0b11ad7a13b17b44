package io.openhqm.plugin.redis;

import static io.openhqm.toolkit.testing.DeadLetterBrowserContract.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.message.Message;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.DeadLetterEntry;
import io.openhqm.api.queue.DeadLetterFilter;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.queue.QueueStats;
import io.openhqm.testing.RedisServer;
import io.openhqm.toolkit.testing.DeadLetterBrowserContract;
import io.openhqm.toolkit.testing.MapPluginConfig;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The dead-letter browser's admin operations against a real redis-server: list, get, redrive, delete. */
@Timeout(60)
class RedisDeadLetterBrowserIT {
    private static final QueueSettings SETTINGS = new QueueSettings("openhqm-requests", "openhqm-dlq");
    private static RedisServer redis;
    private final List<AutoCloseable> open = new ArrayList<>();
    private RedisQueue queue;
    private QueueConsumer consumer;
    private DeadLetterBrowser browser;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void open() {
        redis.call("FLUSHALL");
        TestPluginContext process = new TestPluginContext("test-host");
        open.add(process);
        queue = (RedisQueue) new RedisQueueFactory().create(MapPluginConfig.of("queue.redis", "url", redis.url(),
                "consumer_name", "a"), SETTINGS, process);
        open.add(queue);
        consumer = queue.consumer("workers");
        open.add(consumer);
        browser = queue.deadLetterBrowser().orElseThrow();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void listsNewestFirstByPagesAndFilters() throws Exception {
        DeadLetterBrowserContract.listsNewestFirstByPagesAndFilters(browser, this::deadLetter);
    }

    @Test
    void purgesWhatTheFilterMatches() throws Exception {
        DeadLetterBrowserContract.purgesWhatTheFilterMatches(browser, this::deadLetter);
    }

    @Test
    void trimsByAgeAndByCount() throws Exception {
        DeadLetterBrowserContract.trimsByAgeAndByCount(browser, this::deadLetter);
    }

    @Test
    void statsCountInFlightAndDelayedMessagesOfThePool() throws Exception {
        TestPluginContext listener = new TestPluginContext("test-host");
        open.add(listener);
        RedisQueue fresh = (RedisQueue) new RedisQueueFactory().create(MapPluginConfig.of("queue.redis", "url",
                redis.url(), "consumer_group", "other", "consumer_name", "b"), SETTINGS, listener);
        open.add(fresh);
        assertEquals(new QueueStats(0L, 0L), fresh.stats(), "no group yet: nothing in flight");

        for (int i = 0; i < 3; i++) {
            queue.publish(message("s" + i, null)).toCompletableFuture().join();
        }
        Delivery first = poll();
        poll();
        assertEquals(new QueueStats(2L, 0L), queue.stats());
        first.retry(Duration.ofMinutes(5), "HTTP 503");
        assertEquals(new QueueStats(1L, 1L), queue.stats());
    }

    @Test
    void redriveMovesTheLetterBackToThePoolWithAFreshAttemptBudgetAndDeleteRemovesIt() throws Exception {
        Message original = message("again", "orders");
        queue.publish(original).toCompletableFuture().join();
        poll().retry(Duration.ZERO, "HTTP 503");
        poll().deadLetter("max retries exceeded");
        deadLetter(message("gone", null), "HTTP 400");

        DeadLetterEntry entry = browser.list(new DeadLetterFilter("orders", null, null, null), 1, null).entries()
                .getFirst();
        assertEquals(List.of("HTTP 503", "max retries exceeded"),
                entry.letter().history().stream().map(f -> f.error()).toList());
        assertEquals(Optional.of(entry), browser.get(entry.id()));
        assertEquals(Optional.empty(), browser.get("1-0"));
        assertEquals(Optional.empty(), browser.get("not an id"));

        DeadLetterBrowserContract.redrivesOnceThenDeletes(browser, entry, original, this::poll, queue::depth);
    }

    @Test
    void aPlainEntryKeepsItsIdThroughTheDeadLettersAndBack() throws Exception {
        String id = redis.call("XADD", "openhqm-requests", "*", "body", "{\"a\":1}").toString();
        poll().deadLetter("HTTP 422");
        DeadLetterEntry entry = browser.list(DeadLetterFilter.ALL, 1, null).entries().getFirst();
        assertEquals(id, entry.letter().message().correlationId());
        assertTrue(browser.redrive(entry.id()));
        Delivery again = poll();
        assertEquals(id, again.message().correlationId());
        assertEquals("{\"a\":1}", again.message().bodyAsString());
        again.ack();
    }

    @Test
    void reopenReplacesEvenATerminalRecord() {
        TestPluginContext process = new TestPluginContext("test-host");
        open.add(process);
        RedisResultStore results = new RedisResultStore(RedisBackend.of(queue.config, process), Duration.ofMinutes(5));
        open.add(results);
        DeadLetterBrowserContract.reopenReplacesEvenATerminalRecord(results);
    }

    private Delivery poll() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            List<Delivery> got = consumer.poll(1, Duration.ofMillis(200));
            if (!got.isEmpty()) {
                return got.getFirst();
            }
        }
        throw new AssertionError("nothing delivered within 5 s");
    }

    private void deadLetter(Message message, String reason) throws Exception {
        queue.publish(message).toCompletableFuture().join();
        poll().deadLetter(reason);
    }
}
