package io.openhqm.plugin.kafka;

import static io.openhqm.toolkit.testing.DeadLetterBrowserContract.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.message.Message;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.DeadLetterEntry;
import io.openhqm.api.queue.DeadLetterFilter;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.toolkit.testing.DeadLetterBrowserContract;
import io.openhqm.toolkit.testing.MapPluginConfig;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The dead-letter browser's admin operations against a real in-process KRaft broker, on a 3-partition topic. */
@Timeout(90)
class KafkaDeadLetterBrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger names = new AtomicInteger();
    private static KafkaBroker broker;
    private final List<AutoCloseable> open = new ArrayList<>();
    private String topic;
    private KafkaQueue queue;
    private QueueConsumer consumer;
    private DeadLetterBrowser browser;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @BeforeEach
    void open() {
        topic = "dl" + names.incrementAndGet();
        queue = queue("a");
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

    /** A queue of another process (its own instance id) on the same topics. */
    private KafkaQueue queue(String process) {
        TestPluginContext context = new TestPluginContext(process + "-" + names.incrementAndGet());
        open.add(context);
        KafkaQueue created = (KafkaQueue) new KafkaQueueFactory().create(new MapPluginConfig("queue.kafka",
                broker.queueConfig("consumer_group", topic + "-workers")), new QueueSettings(topic, topic + "-dlq"),
                context);
        open.add(created);
        return created;
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
    void redriveQueuesTheLetterAgainWithAFreshAttemptBudgetAndDeleteRemovesIt() throws Exception {
        Message original = message("again", "orders");
        queue.publish(original).toCompletableFuture().join();
        poll().retry(Duration.ZERO, "HTTP 503");
        poll().deadLetter("max retries exceeded");
        deadLetter(message("gone", null), "HTTP 400");
        awaitDepth(queue::depth, 0);

        DeadLetterEntry entry = browser.list(new DeadLetterFilter("orders", null, null, null), 1, null).entries()
                .getFirst();
        assertEquals(List.of("HTTP 503", "max retries exceeded"),
                entry.letter().history().stream().map(f -> f.error()).toList());
        assertEquals(Optional.of(entry), browser.get(entry.id()));
        assertEquals(Optional.empty(), browser.get("0-999999"));
        assertEquals(Optional.empty(), browser.get("7-0"));
        assertEquals(Optional.empty(), browser.get("not an id"));

        assertTrue(browser.redrive(entry.id()));
        assertFalse(browser.redrive(entry.id()), "a dead letter is redriven once");
        assertEquals(1, browser.count());
        assertEquals(Optional.empty(), browser.get(entry.id()));
        assertTrue(queue.depth() >= 1, "the redriven record is waiting");
        Delivery again = poll();
        assertEquals(original, again.message());
        assertEquals(1, again.attempt());
        assertEquals(List.of(), again.history());
        again.ack();
        awaitDepth(queue::depth, 0); // the commit moves past the transaction's marker

        String gone = browser.list(DeadLetterFilter.ALL, 1, null).entries().getFirst().id();
        assertTrue(browser.delete(gone));
        assertFalse(browser.delete(gone));
        assertFalse(browser.redrive(gone));
        assertEquals(0, browser.count());
        assertEquals(List.of(), browser.list(DeadLetterFilter.ALL, 10, null).entries());
    }

    @Test
    void anotherProcessAndARestartSeeWhatWasRedrivenOrDeleted() throws Exception {
        for (int i = 0; i < 3; i++) {
            deadLetter(message("x" + i, null), "HTTP 500");
        }
        List<DeadLetterEntry> entries = browser.list(DeadLetterFilter.ALL, 10, null).entries();
        KafkaQueue other = queue("b");
        DeadLetterBrowser otherBrowser = other.deadLetterBrowser().orElseThrow();
        assertEquals(3, otherBrowser.count());

        assertTrue(browser.redrive(entries.get(0).id()));
        assertTrue(browser.delete(entries.get(1).id()));
        // Another process sees a transaction's marks once Kafka has written its commit markers, just after the commit.
        long seenBy = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (otherBrowser.count() != 1 && System.nanoTime() < seenBy) {
            Thread.sleep(50);
        }
        assertEquals(1, otherBrowser.count());
        assertEquals(List.of("x0"), DeadLetterBrowserContract.ids(otherBrowser.list(DeadLetterFilter.ALL, 10, null)));
        assertFalse(otherBrowser.redrive(entries.get(0).id()));
        assertFalse(otherBrowser.delete(entries.get(1).id()));
        assertEquals(Optional.empty(), otherBrowser.get(entries.get(1).id()));
        assertEquals("x2", poll().message().correlationId());

        queue.close();
        KafkaQueue restarted = queue("a");
        DeadLetterBrowser after = restarted.deadLetterBrowser().orElseThrow();
        assertEquals(1, after.count());
        assertEquals(List.of("x0"), DeadLetterBrowserContract.ids(after.list(DeadLetterFilter.ALL, 10, null)));
    }

    @Test
    void aRedriveWhoseTransactionIsAbortedLeavesTheDeadLetterAndQueuesNothing() throws Exception {
        deadLetter(message("kept", null), "HTTP 500");
        DeadLetterEntry entry = browser.list(DeadLetterFilter.ALL, 1, null).entries().getFirst();
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "crashing-redrive");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic + ".retry", null, (byte[]) null, "{}".getBytes(StandardCharsets.UTF_8),
                    RecordFormat.encode(message("kept", null)))).get();
            producer.send(new ProducerRecord<>(topic + "-dlq.state", entry.id().getBytes(StandardCharsets.UTF_8),
                    "redriven".getBytes(StandardCharsets.UTF_8))).get();
            producer.abortTransaction();
        }
        assertEquals(Optional.of(entry), browser.get(entry.id()));
        assertEquals(1, browser.count());
        List<Delivery> got = consumer.poll(10, Duration.ofSeconds(2));
        assertEquals(List.of(), got, "an aborted record is never delivered");

        assertTrue(browser.redrive(entry.id()));
        Delivery again = poll();
        assertEquals("kept", again.message().correlationId());
        again.ack();
        assertEquals(List.of(), consumer.poll(10, Duration.ofMillis(500)));
    }

    @Test
    void reopenReplacesEvenATerminalRecord() {
        TestPluginContext process = new TestPluginContext("results");
        open.add(process);
        ResultStore results = new KafkaResultStoreFactory().create(new MapPluginConfig("queue.kafka",
                broker.queueConfig("results_topic", topic + "-results")), new ResultSettings(Duration.ofMinutes(5)),
                process);
        open.add(results);
        DeadLetterBrowserContract.reopenReplacesEvenATerminalRecord(results);
    }

    private Delivery poll() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            List<Delivery> got = consumer.poll(1, Duration.ofMillis(200));
            if (!got.isEmpty()) {
                return got.getFirst();
            }
        }
        throw new AssertionError("nothing delivered within " + WAIT);
    }

    private void deadLetter(Message message, String reason) throws Exception {
        queue.publish(message).toCompletableFuture().join();
        poll().deadLetter(reason);
    }

    private static void awaitDepth(LongSupplier depth, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long last;
        while ((last = depth.getAsLong()) != expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(expected, last, "depth within " + WAIT);
    }
}
