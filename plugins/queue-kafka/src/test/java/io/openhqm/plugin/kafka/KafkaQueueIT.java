package io.openhqm.plugin.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.toolkit.testing.MapPluginConfig;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Kafka queue against a real in-process KRaft broker, started once for the class. */
class KafkaQueueIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static KafkaBroker broker;
    private static final AtomicInteger names = new AtomicInteger();

    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start();
        System.out.println("Kafka broker started in " + broker.startMillis() + " ms");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : opened.reversed()) {
            closeable.close();
        }
    }

    private static String topic() {
        return "t" + names.incrementAndGet();
    }

    private KafkaQueue queue(String topic, Object... extra) {
        TestPluginContext context = new TestPluginContext("test-" + names.incrementAndGet());
        KafkaQueue queue = (KafkaQueue) new KafkaQueueFactory().create(
                new MapPluginConfig("queue.kafka", broker.queueConfig(extra)),
                new QueueSettings(topic, topic + "-dlq"), context);
        opened.add(context);
        opened.add(queue);
        return queue;
    }

    private QueueConsumer consumer(Queue queue) {
        QueueConsumer consumer = queue.consumer("workers");
        opened.add(consumer);
        return consumer;
    }

    private static List<Delivery> pollFor(QueueConsumer consumer, int count) throws InterruptedException {
        List<Delivery> out = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (out.size() < count && System.nanoTime() < deadline) {
            out.addAll(consumer.poll(count - out.size(), Duration.ofMillis(200)));
        }
        assertEquals(count, out.size(), "deliveries within " + WAIT);
        return out;
    }

    private static void assertNothing(QueueConsumer consumer, Duration during) throws InterruptedException {
        List<Delivery> got = consumer.poll(10, during);
        assertTrue(got.isEmpty(), "expected nothing, got " + got);
    }

    private static Message message(String id, String key) {
        MessageMetadata metadata = new MessageMetadata("billing", "PUT", "/orders/7", "a=1", 5,
                Duration.ofSeconds(30), Instant.ofEpochMilli(1_700_000_000_000L), key, "idem-1", "owner-9",
                Map.of("source", "\"web\""));
        return new Message(id, ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8), "application/json",
                Map.of("x-trace", "t-1"), metadata);
    }

    private static void publish(Queue queue, Message message) throws Exception {
        queue.publish(message).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int count) {
        Map<String, Object> props = Map.of("bootstrap.servers", broker.bootstrapServers(),
                "group.id", "reader-" + names.incrementAndGet(), "auto.offset.reset", "earliest");
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            reader.subscribe(List.of(topic));
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                reader.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            assertEquals(count, out.size(), "records in " + topic);
            return out;
        }
    }

    /** Writes a record to partition 0 of {@code topic} as any producer would, with one header. */
    private static void sendPlain(String topic, String key, byte[] value, String header, String headerValue)
            throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(header, headerValue.getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(topic, 0, key.getBytes(StandardCharsets.UTF_8), value, headers)).get();
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        return RecordFormat.header(record.headers(), key);
    }

    private static long committed(String group, TopicPartition tp) throws Exception {
        try (Admin admin = broker.admin()) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(tp);
            return offset == null ? -1 : offset.offset();
        }
    }

    private static void awaitCommitted(String group, TopicPartition tp, long offset) throws Exception {
        eventually(tp + " committed at " + offset + " by " + group, () -> {
            try {
                return committed(group, tp) == offset;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static void eventually(String what, java.util.function.BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(50);
        }
    }

    @Test
    void publishedMessageRoundTripsWithHqmHeadersAndIsCommittedOnAck() throws Exception {
        String topic = topic();
        KafkaQueue queue = queue(topic, "consumer_group", "g-" + topic);
        QueueConsumer consumer = consumer(queue);
        Message sent = message("id-1", "customer-7");
        publish(queue, sent);

        Delivery delivery = pollFor(consumer, 1).getFirst();
        assertEquals(sent, delivery.message());
        assertEquals(1, delivery.attempt());
        assertTrue(delivery.history().isEmpty());
        delivery.ack();

        ConsumerRecord<byte[], byte[]> record = readAll(topic, 1).getFirst();
        assertEquals("customer-7", new String(record.key(), StandardCharsets.UTF_8));
        assertEquals("{\"id\":\"id-1\"}", new String(record.value(), StandardCharsets.UTF_8));
        assertEquals("id-1", header(record, "hqm-correlation-id"));
        assertEquals("billing", header(record, "hqm-endpoint"));
        assertEquals("30000", header(record, "hqm-timeout-ms"));
        assertEquals("\"web\"", header(record, "hqm-attr-source"));
        assertEquals("t-1", header(record, "hqm-h-x-trace"));
        TopicPartition tp = new TopicPartition(topic, record.partition());
        awaitCommitted("g-" + topic, tp, record.offset() + 1);
        assertEquals(0, queue.depth());
        assertTrue(queue.health().healthy(), queue.health().detail());
    }

    @Test
    void plainRecordFromAnyProducerIsAMessageWithDefaults() throws Exception {
        String topic = topic();
        broker.createTopic(topic, 1);
        KafkaQueue queue = queue(topic);
        QueueConsumer consumer = consumer(queue);
        sendPlain(topic, "k1", "{\"a\":1}".getBytes(StandardCharsets.UTF_8), "X-Trace", "abc");
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            producer.send(new ProducerRecord<>(topic, 0, null, new byte[] {1, 2, 3})).get();
        }
        List<Delivery> deliveries = pollFor(consumer, 2);
        Message json = deliveries.get(0).message();
        assertEquals(topic + "-0-0", json.correlationId());
        assertEquals("application/json", json.contentType());
        assertEquals("{\"a\":1}", json.bodyAsString());
        assertEquals(Map.of("x-trace", "abc"), json.headers());
        assertEquals("k1", json.metadata().partitionKey());
        assertNull(json.metadata().endpoint());
        assertEquals(1, deliveries.get(0).attempt());
        Message bytes = deliveries.get(1).message();
        assertEquals(topic + "-0-1", bytes.correlationId());
        assertEquals("application/octet-stream", bytes.contentType());
        deliveries.forEach(Delivery::ack);
    }

    @Test
    void outOfOrderAcksCommitOnlyTheContiguousWatermarkAndARestartRedeliversOnlyTheUnsettled() throws Exception {
        String topic = topic();
        broker.createTopic(topic, 1);
        String group = "g-" + topic;
        KafkaQueue first = queue(topic, "consumer_group", group, "ordering", "none");
        for (int i = 0; i < 5; i++) {
            publish(first, message("w" + i, null));
        }
        QueueConsumer consumer = consumer(first);
        List<Delivery> all = pollFor(consumer, 5);
        for (int i : new int[] {4, 0, 3, 1}) {
            all.get(i).ack();
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        awaitCommitted(group, tp, 2);
        Thread.sleep(300);
        assertEquals(2, committed(group, tp), "never past the unsettled record");
        consumer.close();

        KafkaQueue restarted = queue(topic, "consumer_group", group, "ordering", "none");
        QueueConsumer again = consumer(restarted);
        Delivery redelivered = pollFor(again, 1).getFirst();
        assertEquals("w2", redelivered.message().correlationId());
        assertNothing(again, Duration.ofSeconds(1));
        redelivered.ack();
        awaitCommitted(group, tp, 5);
    }

    @Test
    void orderingKeysFollowTheMode() throws Exception {
        String topic = topic();
        broker.createTopic(topic, 2);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            producer.send(new ProducerRecord<>(topic, 1, "a".getBytes(StandardCharsets.UTF_8), new byte[] {1})).get();
            producer.send(new ProducerRecord<>(topic, 1, null, new byte[] {2})).get();
        }
        Map<String, List<String>> keys = new HashMap<>();
        for (String mode : List.of("key", "partition", "none")) {
            QueueConsumer consumer = consumer(queue(topic, "consumer_group", "g-" + mode + topic, "ordering", mode));
            List<Delivery> deliveries = pollFor(consumer, 2);
            keys.put(mode, deliveries.stream().map(Delivery::orderingKey).toList());
            deliveries.forEach(Delivery::ack);
        }
        assertEquals(java.util.Arrays.asList(topic + "-1:a", null), keys.get("key"));
        assertEquals(List.of(topic + "-1", topic + "-1"), keys.get("partition"));
        assertEquals(java.util.Arrays.asList(null, null), keys.get("none"));
    }

    @Test
    void retryGoesThroughTheRetryTopicAndComesBackWhenDueWithoutBlockingLaterRecords() throws Exception {
        String topic = topic();
        broker.createTopic(topic, 1);
        KafkaQueue queue = queue(topic, "ordering", "partition");
        QueueConsumer consumer = consumer(queue);
        publish(queue, message("r1", "k"));
        Delivery first = pollFor(consumer, 1).getFirst();
        long retriedAt = System.nanoTime();
        first.retry(Duration.ofSeconds(2), "HTTP 503");

        publish(queue, message("r2", "k"));
        Delivery later = pollFor(consumer, 1).getFirst();
        assertEquals("r2", later.message().correlationId());
        assertTrue(System.nanoTime() - retriedAt < TimeUnit.SECONDS.toNanos(2), "r2 did not wait for r1's retry");
        later.ack();

        Delivery retried = pollFor(consumer, 1).getFirst();
        assertTrue(System.nanoTime() - retriedAt >= TimeUnit.MILLISECONDS.toNanos(1900), "not before it was due");
        assertEquals("r1", retried.message().correlationId());
        assertEquals(message("r1", "k"), retried.message());
        assertEquals(2, retried.attempt());
        assertEquals(1, retried.history().size());
        assertEquals("HTTP 503", retried.history().getFirst().error());
        assertEquals(1, retried.history().getFirst().attempt());
        ConsumerRecord<byte[], byte[]> onRetryTopic = readAll(topic + ".retry", 1).getFirst();
        assertEquals("2", header(onRetryTopic, "hqm-attempt"));
        assertEquals(topic, header(onRetryTopic, "hqm-source-topic"));

        retried.retry(Duration.ofMillis(200), "HTTP 502");
        Delivery third = pollFor(consumer, 1).getFirst();
        assertEquals(3, third.attempt());
        assertEquals(List.of("HTTP 503", "HTTP 502"), third.history().stream().map(f -> f.error()).toList());
        third.ack();
    }

    /**
     * {@code ordering = key}: a record of key A that fails and is retried holds back the later records of A (they
     * complete after it, in order) while the records of key B, in the same partition, keep flowing.
     */
    @Test
    void aRetriedKeyKeepsItsOrderWhileOtherKeysOfThePartitionFlow() throws Exception {
        String topic = topic();
        broker.createTopic(topic, 1);
        KafkaQueue queue = queue(topic);
        QueueConsumer consumer = consumer(queue);
        for (String id : List.of("a1", "b1", "a2", "b2", "a3", "b3")) {
            publish(queue, message(id, id.substring(0, 1)));
        }
        List<Delivery> heads = pollFor(consumer, 2);
        assertEquals(List.of("a1", "b1"), heads.stream().map(d -> d.message().correlationId()).toList(),
                "one record per key at a time");
        long retriedAt = System.nanoTime();
        heads.get(0).retry(Duration.ofSeconds(2), "HTTP 503");
        List<String> completed = new ArrayList<>();
        Delivery b = heads.get(1);
        for (String expected : List.of("b2", "b3")) {
            b.ack();
            completed.add(b.message().correlationId());
            b = pollFor(consumer, 1).getFirst();
            assertEquals(expected, b.message().correlationId(), "key B flows while A waits for its retry");
        }
        b.ack();
        completed.add(b.message().correlationId());
        assertTrue(System.nanoTime() - retriedAt < TimeUnit.MILLISECONDS.toNanos(1500), "B did not wait for A");

        Delivery a = pollFor(consumer, 1).getFirst();
        assertTrue(System.nanoTime() - retriedAt >= TimeUnit.MILLISECONDS.toNanos(1900), "not before it was due");
        assertEquals("a1", a.message().correlationId(), "the retried record comes before the later ones of its key");
        assertEquals(2, a.attempt());
        assertEquals(List.of("HTTP 503"), a.history().stream().map(f -> f.error()).toList());
        a.retry(Duration.ofMillis(200), "HTTP 502");
        a = pollFor(consumer, 1).getFirst();
        assertEquals("a1", a.message().correlationId());
        assertEquals(3, a.attempt());
        for (String expected : List.of("a2", "a3")) {
            a.ack();
            completed.add(a.message().correlationId());
            a = pollFor(consumer, 1).getFirst();
            assertEquals(expected, a.message().correlationId());
        }
        a.ack();
        completed.add(a.message().correlationId());
        assertEquals(List.of("b1", "b2", "b3", "a1", "a2", "a3"), completed);
        assertNothing(consumer, Duration.ofMillis(300));
        awaitCommitted(queue.config().consumerGroup(), new TopicPartition(topic, 0), 6);
    }

    @Test
    void deferDoesNotCountAnAttempt() throws Exception {
        String topic = topic();
        KafkaQueue queue = queue(topic);
        QueueConsumer consumer = consumer(queue);
        publish(queue, message("d1", null));
        Delivery delivery = pollFor(consumer, 1).getFirst();
        delivery.defer(Duration.ofMillis(300));
        Delivery again = pollFor(consumer, 1).getFirst();
        assertEquals("d1", again.message().correlationId());
        assertEquals(1, again.attempt());
        assertTrue(again.history().isEmpty());
        again.defer(Duration.ZERO);
        Delivery handedBack = pollFor(consumer, 1).getFirst();
        assertEquals(1, handedBack.attempt());
        handedBack.ack();
    }

    @Test
    void deadLetterKeepsValueKeyAndHeadersAndAddsContext() throws Exception {
        String topic = topic();
        broker.createTopic(topic, 1);
        KafkaQueue queue = queue(topic);
        QueueConsumer consumer = consumer(queue);
        sendPlain(topic, "key-1", "poison".getBytes(StandardCharsets.UTF_8), "tenant", "acme");
        Delivery delivery = pollFor(consumer, 1).getFirst();
        delivery.retry(Duration.ofMillis(100), "first failure");
        Delivery second = pollFor(consumer, 1).getFirst();
        second.deadLetter("HTTP 400: bad request");

        ConsumerRecord<byte[], byte[]> dead = readAll(topic + "-dlq", 1).getFirst();
        assertEquals("poison", new String(dead.value(), StandardCharsets.UTF_8));
        assertEquals("key-1", new String(dead.key(), StandardCharsets.UTF_8));
        assertEquals("HTTP 400: bad request", header(dead, "hqm-dlq-reason"));
        assertEquals(topic, header(dead, "hqm-source-topic"));
        assertEquals("0", header(dead, "hqm-source-partition"));
        assertEquals("0", header(dead, "hqm-source-offset"));
        assertEquals("2", header(dead, "hqm-attempt"));
        assertEquals(topic + "-0-0", header(dead, "hqm-correlation-id"));
        List<String> failures = new ArrayList<>();
        dead.headers().headers("hqm-failure").forEach(h -> failures.add(new String(h.value(),
                StandardCharsets.UTF_8)));
        assertEquals(2, failures.size());
        assertTrue(failures.get(1).endsWith("HTTP 400: bad request"), failures.toString());

        DeadLetterBrowser browser = queue.deadLetterBrowser().orElseThrow();
        assertEquals(1, browser.count());
        DeadLetter letter = browser.newest(10).getFirst();
        assertEquals(topic + "-0-0", letter.message().correlationId());
        assertEquals("acme", letter.message().headers().get("tenant"));
        assertEquals("HTTP 400: bad request", letter.reason());
        assertEquals(2, letter.history().size());
    }

    @Test
    void aSettleThatCannotBeWrittenIsDeliveredAgain() throws Exception {
        String topic = topic();
        TestPluginContext context = new TestPluginContext("unwritable-dlq");
        opened.add(context);
        Queue queue = new KafkaQueueFactory().create(new MapPluginConfig("queue.kafka", broker.queueConfig()),
                new QueueSettings(topic, "not a topic name!"), context);
        opened.add(queue);
        QueueConsumer consumer = consumer(queue);
        publish(queue, message("stuck", null));
        Delivery delivery = pollFor(consumer, 1).getFirst();
        assertInstanceOf(HqmException.class, org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> delivery.deadLetter("poison")));
        Delivery again = pollFor(consumer, 1).getFirst();
        assertEquals("stuck", again.message().correlationId());
        again.ack();
    }

    @Test
    void aRebalanceLosesNothing() throws Exception {
        String topic = topic();
        broker.createTopic(topic, 4);
        String group = "g-" + topic;
        KafkaQueue producerSide = queue(topic, "consumer_group", group);
        int total = 200;
        for (int i = 0; i < total; i++) {
            producerSide.publish(message("m" + i, "key" + (i % 13)));
        }
        Set<String> done = ConcurrentHashMap.newKeySet();
        AtomicInteger deliveries = new AtomicInteger();
        KafkaQueue one = queue(topic, "consumer_group", group, "commit_interval", Duration.ofMillis(50));
        QueueConsumer c1 = consumer(one);
        AtomicBoolean stop = new AtomicBoolean();
        Thread worker1 = Thread.ofPlatform().start(() -> work(c1, done, deliveries, stop, 20));
        eventually("first worker started", () -> done.size() >= 30);

        KafkaQueue two = queue(topic, "consumer_group", group, "commit_interval", Duration.ofMillis(50));
        QueueConsumer c2 = two.consumer("workers");
        AtomicBoolean stop2 = new AtomicBoolean();
        AtomicInteger secondsShare = new AtomicInteger();
        Thread worker2 = Thread.ofPlatform().start(() -> work(c2, done, secondsShare, stop2, 20));
        eventually("the second worker took partitions and processed", () -> secondsShare.get() >= 10);
        stop2.set(true);
        worker2.join();
        c2.close();

        eventually("all " + total + " done", () -> done.size() == total);
        stop.set(true);
        worker1.join();
        assertTrue(deliveries.get() + secondsShare.get() >= total);
    }

    /** A worker loop: acknowledges what it polls after {@code delayMs}, until stopped. */
    private static void work(QueueConsumer consumer, Set<String> done, AtomicInteger deliveries, AtomicBoolean stop,
                             long delayMs) {
        try {
            while (!stop.get()) {
                for (Delivery d : consumer.poll(5, Duration.ofMillis(100))) {
                    Thread.sleep(delayMs);
                    d.ack();
                    done.add(d.message().correlationId());
                    deliveries.incrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aFullBufferPausesAndSlowSettlingKeepsTheGroup() throws Exception {
        String topic = topic();
        broker.createTopic(topic, 1);
        KafkaQueue queue = queue(topic, "max_buffered", 4, "ordering", "none",
                "properties", Map.of("max.poll.interval.ms", "1000", "max.poll.records", "2"));
        for (int i = 0; i < 12; i++) {
            publish(queue, message("p" + i, null));
        }
        KafkaQueueConsumer consumer = (KafkaQueueConsumer) consumer(queue);
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (seen.size() < 12 && System.nanoTime() < deadline) {
            List<Delivery> batch = consumer.poll(4, Duration.ofMillis(200));
            if (batch.isEmpty()) {
                continue;
            }
            Thread.sleep(1300); // longer than max.poll.interval.ms: the poll thread must keep the group
            assertTrue(consumer.unsettled() <= 4 + 2, "buffer bounded: " + consumer.unsettled());
            for (Delivery d : batch) {
                seen.add(d.message().correlationId());
                d.ack();
            }
        }
        assertEquals(12, seen.size(), "all processed: " + seen);
        assertEquals(12, Set.copyOf(seen).size(), "none redelivered (no rebalance): " + seen);
    }

    @Test
    void depthAnswersPromptlyRightAfterTheTopicsWereCreated() throws Exception {
        KafkaQueue queue = queue(topic());
        long started = System.nanoTime();
        assertEquals(0, queue.depth());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(ms < 2000, "depth took " + ms + " ms");
    }

    @Test
    void depthIsTheGroupsLag() throws Exception {
        String topic = topic();
        broker.createTopic(topic, 2);
        KafkaQueue queue = queue(topic, "consumer_group", "g-" + topic, "ordering", "none");
        for (int i = 0; i < 7; i++) {
            publish(queue, message("lag" + i, "k" + i));
        }
        assertEquals(7, queue.depth());
        QueueConsumer consumer = consumer(queue);
        pollFor(consumer, 7).forEach(Delivery::ack);
        eventually("lag 0", () -> queue.depth() == 0);
    }

    @Test
    void anUnreachableBrokerFailsPublishPromptlyAsTransient() throws Exception {
        TestPluginContext context = new TestPluginContext("unreachable");
        opened.add(context);
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap_servers", "127.0.0.1:1");
        config.put("request_timeout", Duration.ofSeconds(1));
        config.put("create_topics", false);
        Queue queue = new KafkaQueueFactory().create(new MapPluginConfig("queue.kafka", config),
                new QueueSettings("nowhere", "nowhere-dlq"), context);
        opened.add(queue);
        long started = System.nanoTime();
        ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> queue.publish(message("x", null)).toCompletableFuture().get(10, TimeUnit.SECONDS));
        HqmException e = assertInstanceOf(HqmException.class, failed.getCause());
        assertEquals(ErrorKind.TRANSIENT, e.kind());
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(4), "prompt");
        assertFalse(queue.health().healthy());
        assertNotNull(queue.health().detail());
    }
}
