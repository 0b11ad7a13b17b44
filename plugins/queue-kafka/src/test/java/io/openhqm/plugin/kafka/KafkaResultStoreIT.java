package io.openhqm.plugin.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.Reply;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.Status;
import io.openhqm.toolkit.testing.MapPluginConfig;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kafka result store against a real in-process KRaft broker. Each store runs in a simulated process of its own
 * (a {@link TestPluginContext}), so two stores are two processes reading one results topic.
 */
class KafkaResultStoreIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    private static final AtomicInteger names = new AtomicInteger();
    private static KafkaBroker broker;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final String topic = "results-" + names.incrementAndGet();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start();
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

    /** A store in a process of its own. */
    private ResultStore process(String name, Duration ttl) {
        TestPluginContext context = new TestPluginContext(name + "-" + names.incrementAndGet());
        opened.add(context);
        ResultStore store = new KafkaResultStoreFactory().create(
                new MapPluginConfig("queue.kafka", broker.queueConfig("results_topic", topic, "partitions", 2)),
                new ResultSettings(ttl), context);
        opened.add(store);
        return store;
    }

    private ResultStore process(String name) {
        return process(name, Duration.ofMinutes(10));
    }

    private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    private static Optional<RequestRecord> eventually(Supplier<Optional<RequestRecord>> read,
                                                      java.util.function.Predicate<Optional<RequestRecord>> until)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Optional<RequestRecord> seen = read.get();
        while (!until.test(seen) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            seen = read.get();
        }
        return seen;
    }

    private static RequestRecord completed(String id) {
        return RequestRecord.pending(id, T0, "owner", Map.of("source", "\"web\"")).processing(1, T0.plusMillis(5))
                .finished(Status.COMPLETED, new Reply("{\"ok\":true}".getBytes(StandardCharsets.UTF_8),
                        "application/json", Map.of("x-backend", "b1"), 200), null, 12, T0.plusMillis(20));
    }

    @Test
    void aWriteIsSeenAtOnceByItsProcessAndSoonByAnotherWhoseWaitTheTopicWakes() throws Exception {
        ResultStore listener = process("listener");
        ResultStore worker = process("worker");
        RequestRecord pending = RequestRecord.pending("a1", T0, "owner");
        join(listener.put(pending));
        assertEquals(Optional.of(pending), join(listener.get("a1")), "read-your-writes");
        assertEquals(Optional.of(pending), eventually(() -> join(worker.get("a1")), Optional::isPresent));

        CompletableFuture<Optional<RequestRecord>> waiting = listener.awaitTerminal("a1", Duration.ofSeconds(60))
                .toCompletableFuture();
        RequestRecord processing = pending.processing(1, T0.plusMillis(5));
        join(worker.put(processing));
        assertEquals(Optional.of(processing), eventually(() -> join(listener.get("a1")),
                r -> r.map(x -> x.status() == Status.PROCESSING).orElse(false)));
        assertFalse(waiting.isDone(), "not terminal yet");

        long before = System.nanoTime();
        RequestRecord done = completed("a1");
        join(worker.put(done));
        assertEquals(Optional.of(done), waiting.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        long wokenMs = (System.nanoTime() - before) / 1_000_000;
        assertTrue(wokenMs < 10_000, "woken by the terminal record, not by the 60 s limit: " + wokenMs + " ms");
        assertEquals(Optional.of(done), join(listener.get("a1")));
        assertEquals(Optional.of(done), join(listener.awaitTerminal("a1", Duration.ofSeconds(5))),
                "a terminal record answers at once");
    }

    @Test
    void anAwaitThatTimesOutAnswersWithWhatIsStored() {
        ResultStore store = process("p");
        RequestRecord pending = RequestRecord.pending("slow", T0, null);
        join(store.put(pending));
        long before = System.nanoTime();
        assertEquals(Optional.of(pending), join(store.awaitTerminal("slow", Duration.ofMillis(300))));
        assertTrue((System.nanoTime() - before) / 1_000_000 >= 290, "waited the whole maxWait");
        assertEquals(Optional.empty(), join(store.awaitTerminal("unknown", Duration.ofMillis(50))));
    }

    @Test
    void aFinishedRecordIsFinalEvenForAPutWrittenBeforeItWasReadAndCompactionKeepsIt() throws Exception {
        ResultStore a = process("a");
        String bName = "b-" + names.incrementAndGet();
        TestPluginContext bContext = new TestPluginContext(bName);
        opened.add(bContext);
        ResultStore b = new KafkaResultStoreFactory().create(
                new MapPluginConfig("queue.kafka", broker.queueConfig("results_topic", topic, "partitions", 2)),
                new ResultSettings(Duration.ofMinutes(10)), bContext);
        opened.add(b);

        RequestRecord done = completed("f1");
        join(a.put(done));
        join(a.put(RequestRecord.pending("f1", T0, "owner").processing(2, T0.plusMillis(50))));
        assertEquals(Optional.of(done), join(a.get("f1")), "a put after a terminal one changes nothing");
        assertEquals(Optional.of(done), eventually(() -> join(b.get("f1")), Optional::isPresent));

        // B wrote a stale PROCESSING before it read the terminal record (a redelivery racing the first worker):
        // every process ignores it, and B writes the terminal record again so that it stays the key's newest (as A
        // did after its own ignored put).
        RecordHeaders headers = new RecordHeaders();
        headers.add("hqm-op", "put".getBytes(StandardCharsets.UTF_8));
        headers.add("hqm-writer", bName.getBytes(StandardCharsets.UTF_8));
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            producer.send(new ProducerRecord<>(topic, null, "result:f1".getBytes(StandardCharsets.UTF_8),
                    ResultFormat.encode(RequestRecord.pending("f1", T0, "owner").processing(3, T0)), headers)).get();
        }
        List<ConsumerRecord<byte[], byte[]>> log = readAll("result:f1", 5);
        ConsumerRecord<byte[], byte[]> last = log.getLast();
        assertEquals("restore", new String(last.headers().lastHeader("hqm-op").value(), StandardCharsets.UTF_8));
        assertEquals(done, ResultFormat.decode(last.value()), "the key's newest record is the terminal one");
        assertEquals(Optional.of(done), join(a.get("f1")));
        assertEquals(Optional.of(done), join(b.get("f1")));
        assertEquals(Optional.of(done), join(process("c").get("f1")), "a process started later sees it too");

        RequestRecord redriven = RequestRecord.pending("f1", T0.plusSeconds(1), "owner");
        join(b.reopen(redriven));
        assertEquals(Optional.of(redriven), join(b.get("f1")), "reopen is the one way back");
        assertEquals(Optional.of(redriven), join(a.get("f1")),
                "a read of a finished record in another process reads the topic to its end first (a redrive)");
    }

    /** The records of {@code key} in the topic, once there are at least {@code count}. */
    private List<ConsumerRecord<byte[], byte[]>> readAll(String key, int count) throws InterruptedException {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", broker.bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (found.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        found.add(r);
                    }
                }
            }
            assertEquals(count, found.size(), "records of " + key);
            return found;
        }
    }

    @Test
    void recordsExpireAfterTheTtlInEveryProcess() throws Exception {
        ResultStore a = process("a", Duration.ofSeconds(2));
        ResultStore b = process("b", Duration.ofSeconds(2));
        join(a.put(completed("t1")));
        join(a.put(completed("t2")));
        join(a.put(RequestRecord.pending("t1", T0, "owner"))); // ignored: t1 is finished
        assertTrue(eventually(() -> join(b.get("t2")), Optional::isPresent).isPresent());
        Thread.sleep(1000);
        join(a.put(completed("t3")));
        Thread.sleep(1300);
        assertEquals(Optional.empty(), join(a.get("t1")));
        assertEquals(Optional.empty(), join(b.get("t1")));
        assertTrue(join(a.get("t3")).isPresent(), "written a second later, t3 is still live");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!b.health().detail().contains(": 1 record(s)") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(b.health().detail().contains(": 1 record(s)"), "expired records are dropped from memory: "
                + b.health().detail());
        assertEquals(Optional.empty(), join(process("late", Duration.ofSeconds(2)).get("t1")),
                "a process reading the topic later skips expired records");
        try (Admin admin = broker.admin()) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Map<String, String> configs = new HashMap<>();
            for (ConfigEntry e : admin.describeConfigs(List.of(resource)).all().get().get(resource).entries()) {
                configs.put(e.name(), e.value());
            }
            assertEquals("compact,delete", configs.get("cleanup.policy"));
            assertEquals("2000", configs.get("retention.ms"));
        }
    }

    @Test
    void aProcessStartingLaterReadsEveryLiveRecordBeforeItServes() {
        ResultStore writer = process("writer");
        List<RequestRecord> written = new ArrayList<>();
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            RequestRecord r = i % 2 == 0 ? completed("s" + i) : RequestRecord.pending("s" + i, T0, "o");
            written.add(r);
            puts.add(writer.put(r).toCompletableFuture());
        }
        puts.forEach(KafkaResultStoreIT::join);
        ResultStore late = process("late");
        for (RequestRecord r : written) {
            assertEquals(Optional.of(r), join(late.get(r.correlationId())), "caught up on " + r.correlationId());
        }
        assertTrue(late.health().healthy(), late.health().detail());
    }

    @Test
    void oneClaimOfAnIdempotencyKeyWinsInEveryProcess() throws Exception {
        ResultStore a = process("a");
        ResultStore b = process("b");
        IdempotencyClaim first = new IdempotencyClaim("owner/k1", "fp", "c-a");
        IdempotencyClaim second = new IdempotencyClaim("owner/k1", "fp", "c-b");
        CompletableFuture<IdempotencyClaim> wonA = a.claimIdempotencyKey(first).toCompletableFuture();
        CompletableFuture<IdempotencyClaim> wonB = b.claimIdempotencyKey(second).toCompletableFuture();
        IdempotencyClaim winner = join(wonA);
        assertEquals(winner, join(wonB), "both processes agree on the winner");

        ResultStore loserStore = winner.equals(first) ? b : a;
        IdempotencyClaim loser = winner.equals(first) ? second : first;
        join(loserStore.releaseIdempotencyKey(loser));
        assertEquals(winner, join(loserStore.claimIdempotencyKey(loser)), "a loser cannot release the key");

        ResultStore winnerStore = winner.equals(first) ? a : b;
        join(winnerStore.releaseIdempotencyKey(winner));
        assertEquals(loser, join(loserStore.claimIdempotencyKey(loser)), "released, the key can be claimed again");
    }

    @Test
    void discardRemovesOnlyAnUnstartedPendingRecord() throws Exception {
        ResultStore a = process("a");
        ResultStore b = process("b");
        join(a.put(RequestRecord.pending("d1", T0, null)));
        join(a.discardPending("d1"));
        assertEquals(Optional.empty(), join(a.get("d1")));

        RequestRecord started = RequestRecord.pending("d2", T0, null).processing(1, T0);
        join(a.put(started));
        join(a.discardPending("d2"));
        assertEquals(Optional.of(started), join(a.get("d2")));
        assertEquals(Optional.of(started), eventually(() -> join(b.get("d2")), Optional::isPresent));
    }

    /** A process's copy of the topic read directly, with a producer of its own (a process of its own). */
    private ResultsTopic topicOf(String name) {
        KafkaClients clients = new KafkaClients(KafkaConfig.parse(
                new MapPluginConfig("queue.kafka", broker.queueConfig("results_topic", topic, "partitions", 2))));
        KafkaProducer<byte[], byte[]> producer = clients.producer(name + "-producer");
        opened.add(() -> producer.close(Duration.ofSeconds(5)));
        ResultsTopic results = new ResultsTopic(clients, producer, Duration.ofMinutes(10), Clock.systemUTC(), name);
        opened.add(results);
        return results;
    }

    @Test
    void aProcessAppliesItsOwnWritesWithoutDecodingThemInLogOrderWithAnotherWritersRecords() throws Exception {
        ResultsTopic a = topicOf("own-a");
        ResultsTopic b = topicOf("own-b");
        // Not whole milliseconds: what A applies from its own writes must equal what B decodes from the topic.
        Instant t = Instant.now().plusNanos(123_456);
        int ids = 4;
        for (int i = 0; i < ids; i++) {
            String id = "own-" + i;
            RequestRecord pending = RequestRecord.pending(id, t.plusMillis(i), "owner", Map.of("source", "web"));
            join(a.write(pending, false));
            Optional<RequestRecord> seenByB = eventually(() -> b.get(id), Optional::isPresent);
            assertEquals(Status.PENDING, seenByB.orElseThrow().status(), "B sees A's put");
            int appliedByA = i + 1;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (a.ownWritesNotDecoded() < appliedByA && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(appliedByA, a.ownWritesNotDecoded(), "A applied its put from the topic without decoding it");
            assertEquals(seenByB, a.get(id), "A holds what B decoded");

            // B finishes the id after A's put; A, not having read that yet, writes a stale PROCESSING after it.
            RequestRecord done = pending.processing(1, t.plusMillis(i + 1)).finished(Status.COMPLETED,
                    new Reply("{}".getBytes(StandardCharsets.UTF_8), "application/json", Map.of(), 200), null, 3,
                    t.plusMillis(i + 2));
            join(b.write(done, false));
            join(a.write(pending.processing(2, t.plusMillis(i + 3)), false));
            Optional<RequestRecord> finished = eventually(() -> a.get(id),
                    r -> r.map(x -> x.status() == Status.COMPLETED).orElse(false));
            assertEquals(Optional.of(ResultFormat.asStored(done)), finished, "terminal is final in A");
            assertEquals(finished, eventually(() -> b.get(id), r -> r.equals(finished)), "and in B");
            List<ConsumerRecord<byte[], byte[]>> log = readAll("result:" + id, 4);
            assertEquals("restore", new String(log.getLast().headers().lastHeader("hqm-op").value(),
                    StandardCharsets.UTF_8), "A read its stale put in log order and wrote the terminal record again");
        }
        RequestRecord solo = RequestRecord.pending("own-solo", t, null);
        join(a.write(solo, false));
        join(a.getLatest("own-0")); // a finished record: A reads every partition up to its end, past this put
        assertEquals(Optional.of(ResultFormat.asStored(solo)), a.get("own-solo"), "kept once read back");
        assertEquals(a.get("own-solo"), eventually(() -> b.get("own-solo"), Optional::isPresent));
        assertEquals(ids + 1, a.ownWritesNotDecoded(), "A's stale puts were read, ignored, not applied");
        assertEquals(ids, b.ownWritesNotDecoded(), "B applied its terminal puts without decoding them");
        ResultsTopic later = topicOf("own-c");
        for (int i = 0; i < ids; i++) {
            assertEquals(a.get("own-" + i), later.get("own-" + i), "a process started later reads the same");
        }
    }

    @Test
    void healthIsUpWhenTheTopicIsRead() {
        ResultStore store = process("h");
        assertTrue(store.health().healthy(), store.health().detail());
        assertTrue(store.health().detail().contains(topic), store.health().detail());
    }
}
