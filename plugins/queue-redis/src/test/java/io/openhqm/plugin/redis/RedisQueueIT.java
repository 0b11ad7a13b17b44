package io.openhqm.plugin.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.testing.RedisServer;
import io.openhqm.toolkit.testing.MapPluginConfig;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The queue against a real redis-server. */
class RedisQueueIT {
    private static final QueueSettings SETTINGS = new QueueSettings("openhqm-requests", "openhqm-dlq");
    private static RedisServer redis;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void flush() {
        redis.call("FLUSHALL");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** A simulated server process: its adapters share one connection, closed after them. */
    private TestPluginContext process() {
        TestPluginContext process = new TestPluginContext("test-host");
        open.add(process);
        return process;
    }

    /** A queue in a process of its own. */
    private RedisQueue queue(String consumerName, Object... extra) {
        return queue(process(), redis.url(), consumerName, extra);
    }

    private RedisQueue queue(TestPluginContext process, String url, String consumerName, Object... extra) {
        List<Object> kv = new ArrayList<>(List.of("url", url, "consumer_name", consumerName));
        kv.addAll(List.of(extra));
        RedisQueue queue = (RedisQueue) new RedisQueueFactory()
                .create(MapPluginConfig.of("queue.redis", kv.toArray()), SETTINGS, process);
        open.add(queue);
        return queue;
    }

    private QueueConsumer consumer(RedisQueue queue) {
        QueueConsumer consumer = queue.consumer("workers");
        open.add(consumer);
        return consumer;
    }

    private static DeadLetterBrowser deadLetters(RedisQueue queue) {
        return queue.deadLetterBrowser().orElseThrow();
    }

    private static Message message(String id, String body) {
        return new Message(id, body.getBytes(StandardCharsets.UTF_8), "application/json", Map.of(),
                MessageMetadata.defaults(Instant.now()));
    }

    private static List<Delivery> pollUntil(QueueConsumer consumer, int count, Duration max) throws Exception {
        List<Delivery> got = new ArrayList<>();
        long deadline = System.nanoTime() + max.toNanos();
        while (got.size() < count && System.nanoTime() < deadline) {
            got.addAll(consumer.poll(count - got.size(), Duration.ofMillis(200)));
        }
        return got;
    }

    @Test
    void theOutcomeIsStoredAndTheEntryAcknowledgedInOneStepWithThePluginsOwnStore() throws Exception {
        TestPluginContext process = process();
        RedisQueue queue = queue(process, redis.url(), "a");
        RedisResultStore store = new RedisResultStore(RedisBackend.of(queue.config, process), Duration.ofMinutes(5));
        open.add(store);
        assertTrue(store.sharesBackendWith(queue));
        queue.publish(message("done-1", "{}")).toCompletableFuture().join();
        Delivery delivery = pollUntil(consumer(queue), 1, Duration.ofSeconds(5)).get(0);
        Instant at = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        io.openhqm.api.result.RequestRecord completed = io.openhqm.api.result.RequestRecord.pending("done-1", at, "o")
                .processing(1, at).finished(io.openhqm.api.result.Status.COMPLETED, null, null, 3, at);
        var waiting = store.awaitTerminal("done-1", Duration.ofSeconds(10)).toCompletableFuture();

        delivery.ack(completed, store);

        assertEquals(completed, store.get("done-1").toCompletableFuture().join().orElseThrow());
        assertEquals(completed, waiting.get(5, TimeUnit.SECONDS).orElseThrow(), "its waiters are woken");
        assertEquals(0L, redis.callLong("XLEN", "openhqm-requests"), "acknowledged and deleted");
    }

    @Test
    void completionsSentTogetherEachStoreTheirOutcomeAndSettleOnlyWhatTheWorkerStillHolds() throws Exception {
        TestPluginContext process = process();
        RedisQueue queue = queue(process, redis.url(), "a");
        RedisResultStore store = new RedisResultStore(RedisBackend.of(queue.config, process), Duration.ofMinutes(5));
        open.add(store);
        for (int i = 0; i < 3; i++) {
            queue.publish(message("c" + i, "{}")).toCompletableFuture().join();
        }
        List<Delivery> held = pollUntil(consumer(queue), 3, Duration.ofSeconds(5));
        RedisDelivery lost = (RedisDelivery) held.get(1);
        redis.call("XCLAIM", "openhqm-requests", "openhqm-workers", "b:workers", "0", lost.entryId(), "JUSTID");
        Instant at = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        List<io.openhqm.api.result.RequestRecord> outcomes = new ArrayList<>();
        List<RedisQueue.Completion> batch = new ArrayList<>();
        for (Delivery d : held) {
            String id = d.message().correlationId();
            var outcome = io.openhqm.api.result.RequestRecord.pending(id, at, null).processing(1, at)
                    .finished(io.openhqm.api.result.Status.COMPLETED, null, null, 1, at);
            outcomes.add(outcome);
            batch.add(new RedisQueue.Completion("openhqm-requests", ((RedisDelivery) d).entryId(), "a:workers",
                    store.keys().result(id), RecordFormat.encode(outcome), store.ttlMs(), store.keys().done(id)));
        }

        assertEquals(List.of(true, false, true), queue.complete(batch).get(5, TimeUnit.SECONDS));

        for (var outcome : outcomes) {
            assertEquals(outcome, store.get(outcome.correlationId()).toCompletableFuture().join().orElseThrow(),
                    "every outcome is stored, also the one whose entry was lost (it is final)");
        }
        assertEquals(1L, redis.callLong("XLEN", "openhqm-requests"), "only the lost entry is left");
        assertEquals(Set.of("b:workers"), holders(), "and it stays with the worker that took it");
    }

    @Test
    void publishedMessagesAreDeliveredOnceAndAckDeletesThem() throws Exception {
        RedisQueue queue = queue("a");
        for (int i = 0; i < 20; i++) {
            queue.publish(message("m" + i, "{\"n\":" + i + "}")).toCompletableFuture().join();
        }
        assertEquals(20, queue.depth());
        QueueConsumer consumer = consumer(queue);
        List<Delivery> got = pollUntil(consumer, 20, Duration.ofSeconds(5));
        assertEquals(20, got.size());
        assertEquals("m0", got.get(0).message().correlationId());
        assertEquals(1, got.get(0).attempt());
        assertEquals(20, queue.depth(), "in flight still counts");
        got.forEach(Delivery::ack);
        assertEquals(0, queue.depth());
        assertEquals(0L, redis.callLong("XLEN", "openhqm-requests"), "acknowledged entries are deleted");
        assertTrue(consumer.poll(10, Duration.ofMillis(100)).isEmpty());
    }

    @Test
    void aRetryWaitsItsDelayWithoutBlockingOthersAndKeepsTheHistory() throws Exception {
        RedisQueue queue = queue("a");
        QueueConsumer consumer = consumer(queue);
        queue.publish(message("slow", "{}")).toCompletableFuture().join();
        Delivery first = pollUntil(consumer, 1, Duration.ofSeconds(5)).get(0);
        long retriedAt = System.nanoTime();
        first.retry(Duration.ofMillis(800), "backend said 503");
        assertEquals(1, queue.depth(), "a delayed message counts in the depth");

        queue.publish(message("fast", "{}")).toCompletableFuture().join();
        Delivery other = pollUntil(consumer, 1, Duration.ofSeconds(5)).get(0);
        assertEquals("fast", other.message().correlationId(), "the waiting retry does not block other messages");
        other.ack();

        Delivery again = pollUntil(consumer, 1, Duration.ofSeconds(5)).get(0);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - retriedAt);
        assertEquals("slow", again.message().correlationId());
        assertTrue(waitedMs >= 790, "redelivered after " + waitedMs + " ms");
        assertTrue(waitedMs < 2500, "redelivered after " + waitedMs + " ms");
        assertEquals(2, again.attempt());
        assertEquals(1, again.history().size());
        assertEquals("backend said 503", again.history().get(0).error());
        assertEquals(1, again.history().get(0).attempt());

        again.defer(Duration.ZERO);
        Delivery deferred = pollUntil(consumer, 1, Duration.ofSeconds(5)).get(0);
        assertEquals(2, deferred.attempt(), "a deferred delivery does not count an attempt");

        deferred.deadLetter("gave up");
        assertEquals(0, queue.depth());
        assertEquals(1, deadLetters(queue).count());
        DeadLetter dead = deadLetters(queue).newest(10).get(0);
        assertEquals("slow", dead.message().correlationId());
        assertEquals("gave up", dead.reason());
        assertEquals(List.of("backend said 503", "gave up"), dead.history().stream().map(h -> h.error()).toList());
        assertEquals(List.of(1, 2), dead.history().stream().map(h -> h.attempt()).toList());
    }

    @Test
    void settlingTwiceIsRefused() throws Exception {
        RedisQueue queue = queue("a");
        QueueConsumer consumer = consumer(queue);
        queue.publish(message("x", "{}")).toCompletableFuture().join();
        Delivery d = pollUntil(consumer, 1, Duration.ofSeconds(5)).get(0);
        d.ack();
        assertThrows(IllegalStateException.class, d::ack);
    }

    @Test
    void entriesOfADeadConsumerAreReclaimedAfterTheVisibilityTimeout() throws Exception {
        RedisQueue dying = queue("dying", "visibility_timeout", "1s");
        for (int i = 0; i < 50; i++) {
            dying.publish(message("m" + i, "{}")).toCompletableFuture().join();
        }
        QueueConsumer lost = dying.consumer("workers");
        assertEquals(50, pollUntil(lost, 50, Duration.ofSeconds(5)).size());
        dying.close(); // the process "dies": nothing is settled, no lease is renewed
        open.remove(dying);

        RedisQueue survivor = queue("survivor", "visibility_timeout", "1s");
        QueueConsumer consumer = consumer(survivor);
        long start = System.nanoTime();
        List<Delivery> got = pollUntil(consumer, 50, Duration.ofSeconds(10));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(50, got.size());
        assertTrue(tookMs >= 500, "reclaimed only once idle for the visibility timeout, took " + tookMs + " ms");
        Set<String> ids = new HashSet<>();
        for (Delivery d : got) {
            ids.add(d.message().correlationId());
            assertEquals(2, d.attempt());
            assertEquals(RedisConsumer.UNSETTLED, d.history().get(0).error());
            d.ack();
        }
        assertEquals(50, ids.size());
        assertEquals(0, survivor.depth());
    }

    @Test
    void aLiveConsumerKeepsItsLongRunningMessage() throws Exception {
        RedisQueue busy = queue("busy", "visibility_timeout", "1s");
        RedisQueue other = queue("other", "visibility_timeout", "1s");
        busy.publish(message("long", "{}")).toCompletableFuture().join();
        Delivery held = pollUntil(consumer(busy), 1, Duration.ofSeconds(5)).get(0);
        QueueConsumer thief = consumer(other);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3000);
        while (System.nanoTime() < end) {
            assertTrue(thief.poll(1, Duration.ofMillis(200)).isEmpty(), "taken from a live consumer");
        }
        held.ack();
        assertEquals(0, busy.depth());
    }

    @Test
    void everyDeliveryThatWasNeverSettledCountsAsAnAttemptAndTheQueueDeadLettersNothingByItself()
            throws Exception {
        RedisQueue first = queue("w1", "visibility_timeout", "500ms");
        first.publish(message("poison", "{}")).toCompletableFuture().join();
        assertEquals(1, pollUntil(first.consumer("workers"), 1, Duration.ofSeconds(5)).get(0).attempt());
        first.close(); // its worker dies
        open.remove(first);
        RedisQueue second = queue("w2", "visibility_timeout", "500ms");
        QueueConsumer secondConsumer = second.consumer("workers");
        assertEquals(2, pollUntil(secondConsumer, 1, Duration.ofSeconds(5)).get(0).attempt());
        secondConsumer.close(); // dies too
        RedisQueue third = queue("w3", "visibility_timeout", "500ms");

        Delivery again = pollUntil(consumer(third), 1, Duration.ofSeconds(5)).get(0);

        assertEquals(3, again.attempt(), "the engine decides with worker.max_retries");
        assertEquals(2, again.history().size());
        assertEquals(0, deadLetters(third).count());
        assertNull(redis.call("GET", "openhqm:result:poison"), "a queue never writes results");
    }

    @Test
    void aRestartedConsumerTakesBackItsOwnPendingEntriesAtOnce() throws Exception {
        RedisQueue before = queue("same-name");
        for (int i = 0; i < 5; i++) {
            before.publish(message("m" + i, "{}")).toCompletableFuture().join();
        }
        assertEquals(5, pollUntil(before.consumer("workers"), 5, Duration.ofSeconds(5)).size());
        before.close();
        open.remove(before);

        RedisQueue after = queue("same-name");
        List<Delivery> got = consumer(after).poll(10, Duration.ofMillis(100));
        assertEquals(5, got.size(), "no wait for the visibility timeout of 60 s");
        assertEquals(2, got.get(0).attempt());
        got.forEach(Delivery::ack);
        assertEquals(0, after.depth());
    }

    @Test
    void entriesOfExternalProducersAreDelivered() throws Exception {
        RedisQueue queue = queue("a");
        QueueConsumer consumer = consumer(queue);
        String plainId = (String) redis.call("XADD", "openhqm-requests", "*", "body", "{\"x\":1}");
        redis.call("XADD", "openhqm-requests", "*", "payload",
                "{\"correlation_id\":\"py-1\",\"payload\":{\"operation\":\"echo\"},\"metadata\":{\"priority\":3}}");
        redis.call("XADD", "openhqm-requests", "*", "junk", "1");
        List<Delivery> got = pollUntil(consumer, 2, Duration.ofSeconds(5));
        assertEquals(2, got.size());
        assertEquals(plainId, got.get(0).message().correlationId());
        assertEquals("{\"x\":1}", got.get(0).message().bodyAsString());
        assertEquals("py-1", got.get(1).message().correlationId());
        assertEquals("{\"operation\":\"echo\"}", got.get(1).message().bodyAsString());
        assertEquals(3, got.get(1).message().metadata().priority());
        got.forEach(Delivery::ack);
        assertTrue(consumer.poll(5, Duration.ofMillis(100)).isEmpty(), "the junk entry is not delivered");
        waitFor(() -> deadLetters(queue).count() == 1 ? true : null, Duration.ofSeconds(3));
        assertTrue(deadLetters(queue).newest(1).get(0).reason().startsWith("not a message"));
        assertEquals(0, queue.depth());
    }

    @Test
    void aLostConsumerGroupIsCreatedAgain() throws Exception {
        RedisQueue queue = queue("a");
        QueueConsumer consumer = consumer(queue);
        redis.call("DEL", "openhqm-requests");
        assertTrue(consumer.poll(1, Duration.ofMillis(100)).isEmpty());
        queue.publish(message("after", "{}")).toCompletableFuture().join();
        assertEquals("after", pollUntil(consumer, 1, Duration.ofSeconds(5)).get(0).message().correlationId());
    }

    @Test
    void theStreamCanBeCappedAndTheDeadLetterStreamIs() throws Exception {
        RedisQueue queue = queue("a", "max_stream_length", 10);
        for (int i = 0; i < 500; i++) {
            queue.publish(message("m" + i, "{}")).toCompletableFuture().join();
        }
        assertTrue(redis.callLong("XLEN", "openhqm-requests") < 500);
    }

    @Test
    void redisDownFailsFastAndEverythingResumesWhenItIsBack() throws Exception {
        try (RedisServer own = RedisServer.startPersistent()) {
            RedisQueue queue = queue(process(), own.url(), "c");
            QueueConsumer consumer = consumer(queue);
            queue.publish(message("in-flight", "{}")).toCompletableFuture().join();
            Delivery inFlight = pollUntil(consumer, 1, Duration.ofSeconds(5)).get(0);
            queue.publish(message("before", "{}")).toCompletableFuture().join();
            own.kill();
            assertThrows(HqmException.class, inFlight::ack);

            long start = System.nanoTime();
            CompletionException failed = assertThrows(CompletionException.class,
                    () -> queue.publish(message("during", "{}")).toCompletableFuture().join());
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 3000);
            HqmException cause = assertInstanceOf(HqmException.class, failed.getCause());
            assertEquals(ErrorKind.TRANSIENT, cause.kind());
            start = System.nanoTime();
            assertFalse(queue.health().healthy());
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 1500);
            HqmException pollFailed = assertThrows(HqmException.class, () -> consumer.poll(1, Duration.ofMillis(100)));
            assertEquals(ErrorKind.TRANSIENT, pollFailed.kind());

            own.restart();
            waitFor(() -> queue.health().healthy() ? true : null, Duration.ofSeconds(10));
            queue.publish(message("after", "{}")).toCompletableFuture().join();
            List<Delivery> got = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (got.size() < 3 && System.nanoTime() < deadline) {
                try {
                    got.addAll(consumer.poll(3, Duration.ofMillis(200)));
                } catch (HqmException stillReconnecting) {
                    Thread.sleep(100);
                }
            }
            assertEquals(List.of("in-flight", "before", "after"),
                    got.stream().map(d -> d.message().correlationId()).toList(),
                    "the delivery whose ack failed comes again at once, not after the visibility timeout of 60 s");
        }
    }

    @Test
    void depthCountsWaitingInFlightAndDelayed() throws Exception {
        RedisQueue queue = queue("a");
        QueueConsumer consumer = consumer(queue);
        for (int i = 0; i < 3; i++) {
            queue.publish(message("m" + i, "{}")).toCompletableFuture().join();
        }
        List<Delivery> got = pollUntil(consumer, 2, Duration.ofSeconds(5));
        got.get(0).retry(Duration.ofMinutes(1), "later");
        assertEquals(3, queue.depth());
        assertTrue(queue.health().healthy());
        assertNotNull(queue.health().detail());
    }

    @Test
    void aWorkerThatLostItsLeaseNeitherTakesTheEntryBackNorSettlesIt() throws Exception {
        RedisQueue slow = queue("a", "visibility_timeout", "1s");
        RedisQueue other = queue("b", "visibility_timeout", "1s");
        for (int i = 0; i < 3; i++) {
            slow.publish(message("m" + i, "{}")).toCompletableFuture().join();
        }
        List<Delivery> late = pollUntil(consumer(slow), 3, Duration.ofSeconds(5));
        QueueConsumer taker = consumer(other);
        List<Delivery> taken = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (taken.size() < 3 && System.nanoTime() < deadline) {
            // As if worker a had stalled for 5 s: its entries look idle to the others (it renews every 333 ms).
            for (Delivery d : late) {
                redis.call("XCLAIM", "openhqm-requests", "openhqm-workers", "a:workers", "0",
                        ((RedisDelivery) d).entryId(), "IDLE", "5000", "JUSTID");
            }
            taken.addAll(taker.poll(3 - taken.size(), Duration.ofMillis(100)));
        }
        assertEquals(3, taken.size());
        assertEquals(2, taken.get(0).attempt());
        long watchUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1200); // a's lease timer runs 3-4 times
        while (System.nanoTime() < watchUntil) {
            assertEquals(Set.of("b:workers"), holders(), "a's renewal does not take the entries back");
            Thread.sleep(20);
        }

        late.get(0).ack();
        late.get(1).retry(Duration.ZERO, "late failure");
        late.get(2).deadLetter("late give-up");
        assertEquals(3L, redis.callLong("XLEN", "openhqm-requests"), "nothing removed from under b");
        assertEquals(Set.of("b:workers"), holders());
        assertEquals(0L, redis.callLong("XLEN", "openhqm:retry:openhqm-requests"), "no duplicate handed back");
        assertEquals(0L, redis.callLong("ZCARD", "openhqm:delayed:openhqm-requests"));
        assertEquals(0, deadLetters(slow).count(), "no dead letter of a message b still processes");

        taken.forEach(Delivery::ack);
        assertEquals(0L, redis.callLong("XLEN", "openhqm-requests"));
        assertEquals(0, other.depth());
    }

    /** The consumers holding pending entries of the default group on the request stream. */
    private static Set<String> holders() {
        Set<String> holders = new HashSet<>();
        for (Object p : (List<?>) redis.call("XPENDING", "openhqm-requests", "openhqm-workers", "-", "+", "100")) {
            holders.add(String.valueOf(((List<?>) p).get(1)));
        }
        return holders;
    }

    @Test
    void twoPoolsOnOneStreamEachProcessEveryMessageAndKeepTheirRetries() throws Exception {
        RedisQueue poolA = queue("a", "consumer_group", "pool-a");
        RedisQueue poolB = queue("b", "consumer_group", "pool-b");
        List<QueueConsumer> consumersA = List.of(named(poolA, "w1"), named(poolA, "w2"));
        List<QueueConsumer> consumersB = List.of(named(poolB, "w1"), named(poolB, "w2"));
        int total = 1000;
        List<java.util.concurrent.CompletableFuture<Void>> published = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            published.add(poolA.publish(message("m" + i, "{\"n\":" + i + "}")).toCompletableFuture());
        }
        published.forEach(java.util.concurrent.CompletableFuture::join);

        Map<String, Integer> seenByA = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, Integer> seenByB = new java.util.concurrent.ConcurrentHashMap<>();
        Set<String> doneA = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Set<String> doneB = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Set<String> retriedByA = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Integer> attemptsSeenByB = java.util.Collections.synchronizedList(new ArrayList<>());
        var workers = java.util.concurrent.Executors.newFixedThreadPool(4);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<java.util.concurrent.Future<?>> running = new ArrayList<>();
        for (QueueConsumer c : consumersA) {
            running.add(workers.submit(() -> drain(c, doneA, deadline, total, d -> {
                String id = d.message().correlationId();
                seenByA.merge(id, 1, Integer::sum);
                if (Integer.parseInt(id.substring(1)) % 10 == 0 && d.attempt() == 1) {
                    retriedByA.add(id);
                    d.retry(Duration.ofMillis(100), "try again");
                    return false;
                }
                d.ack();
                return true;
            })));
        }
        for (QueueConsumer c : consumersB) {
            running.add(workers.submit(() -> drain(c, doneB, deadline, total, d -> {
                seenByB.merge(d.message().correlationId(), 1, Integer::sum);
                attemptsSeenByB.add(d.attempt());
                d.ack();
                return true;
            })));
        }
        for (java.util.concurrent.Future<?> f : running) {
            f.get(90, TimeUnit.SECONDS);
        }
        workers.shutdown();

        assertEquals(total, doneA.size(), "pool a processed every message");
        assertEquals(total, doneB.size(), "pool b processed every message");
        assertEquals(total / 10, retriedByA.size());
        assertEquals(total + total / 10, seenByA.values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(total, seenByB.values().stream().mapToInt(Integer::intValue).sum(),
                "pool a's retries are not delivered to pool b");
        assertEquals(Set.of(1), new HashSet<>(attemptsSeenByB));
        assertEquals(0L, redis.callLong("XLEN", "openhqm-requests"), "deleted once both pools settled them");
        assertEquals(0L, redis.callLong("XLEN", "openhqm:retry:openhqm-requests:pool-a"));
        assertEquals(0, poolA.depth());
        assertEquals(0, poolB.depth());
    }

    private QueueConsumer named(RedisQueue queue, String name) {
        QueueConsumer consumer = queue.consumer(name);
        open.add(consumer);
        return consumer;
    }

    /** Polls until {@code done} holds {@code total} ids; {@code work} says whether it finished the message. */
    private static Void drain(QueueConsumer consumer, Set<String> done, long deadline, int total,
                              java.util.function.Predicate<Delivery> work) throws InterruptedException {
        while (done.size() < total && System.nanoTime() < deadline) {
            for (Delivery d : consumer.poll(20, Duration.ofMillis(100))) {
                if (work.test(d)) {
                    done.add(d.message().correlationId());
                }
            }
        }
        return null;
    }

    @Test
    void eachPoolHasItsOwnDeadLettersAndTheDefaultPoolKeepsItsNames() throws Exception {
        RedisQueue billing = queue("a", "consumer_group", "billing");
        RedisQueue standard = queue("b");
        QueueConsumer billingConsumer = consumer(billing);
        QueueConsumer standardConsumer = consumer(standard);
        billing.publish(message("x", "{}")).toCompletableFuture().join();
        pollUntil(billingConsumer, 1, Duration.ofSeconds(5)).get(0).deadLetter("billing gave up");
        Delivery standardCopy = pollUntil(standardConsumer, 1, Duration.ofSeconds(5)).get(0);
        assertEquals(1L, redis.callLong("XLEN", "openhqm-requests"), "kept until every pool settled it");
        standardCopy.retry(Duration.ofMinutes(1), "later");
        assertEquals(0L, redis.callLong("XLEN", "openhqm-requests"));
        assertEquals(1L, redis.callLong("ZCARD", "openhqm:delayed:openhqm-requests"), "the default pool's name");

        assertEquals(1, deadLetters(billing).count());
        assertEquals(0, deadLetters(standard).count());
        assertEquals(1L, redis.callLong("XLEN", "openhqm-dlq:billing"));
        DeadLetter dead = deadLetters(billing).newest(10).get(0);
        assertEquals("x", dead.message().correlationId());
        assertEquals("billing gave up", dead.reason());
        List<?> entry = (List<?>) ((List<?>) redis.call("XRANGE", "openhqm-dlq:billing", "-", "+")).get(0);
        List<?> fields = (List<?>) entry.get(1);
        assertEquals("billing", String.valueOf(fields.get(fields.indexOf("dlq_group") + 1)));

        standard.publish(message("y", "{}")).toCompletableFuture().join();
        pollUntil(billingConsumer, 1, Duration.ofSeconds(5)).get(0).ack();
        pollUntil(standardConsumer, 1, Duration.ofSeconds(5)).get(0).deadLetter("standard gave up");
        assertEquals(1L, redis.callLong("XLEN", "openhqm-dlq"), "the default pool's dead letters keep their name");
        assertEquals(1, deadLetters(standard).count());
        assertEquals(1, deadLetters(billing).count());
    }

    @Test
    @SuppressWarnings("removal")
    void theDeadLetterBrowserListsNewestFirstAndTheDeprecatedMethodsReadThroughIt() throws Exception {
        RedisQueue queue = queue("a");
        QueueConsumer consumer = consumer(queue);
        assertEquals(List.of(), deadLetters(queue).newest(10));
        for (String id : List.of("m1", "m2", "m3")) {
            queue.publish(message(id, "{}")).toCompletableFuture().join();
            pollUntil(consumer, 1, Duration.ofSeconds(5)).get(0).deadLetter("gave up on " + id);
        }

        DeadLetterBrowser browser = deadLetters(queue);
        assertEquals(3, browser.count());
        assertEquals(List.of("m3", "m2"), browser.newest(2).stream().map(d -> d.message().correlationId()).toList());
        assertEquals("gave up on m3", browser.newest(1).get(0).reason());
        assertEquals(List.of(), browser.newest(0));
        assertThrows(IllegalArgumentException.class, () -> browser.newest(-1));
        assertEquals(3, queue.deadLetterCount());
        assertEquals(List.of("m2", "m3"), queue.deadLetters(2).stream().map(d -> d.message().correlationId()).toList());
    }

    @Test
    void aListenerCreatesNoConsumerGroup() {
        RedisQueue listener = queue("listener", "consumer_group", "unused");
        listener.publish(message("m", "{}")).toCompletableFuture().join();
        assertEquals(0L, ((List<?>) redis.call("XINFO", "GROUPS", "openhqm-requests")).size(),
                "a group that never reads would keep every entry of the stream");
    }

    @Test
    void entriesReadBeyondTheNumberAskedForWaitForTheNextPollOrAreHandedBackOnClose() throws Exception {
        RedisQueue queue = queue("a");
        QueueConsumer first = queue.consumer("w1");
        queue.publish(message("old", "{}")).toCompletableFuture().join();
        pollUntil(first, 1, Duration.ofSeconds(5)).get(0).defer(Duration.ZERO); // now in the retry stream
        queue.publish(message("new", "{}")).toCompletableFuture().join();
        List<Delivery> one = first.poll(1, Duration.ofMillis(200)); // one read takes an entry of each stream
        assertEquals(1, one.size());
        List<Delivery> next = first.poll(1, Duration.ofMillis(200));
        assertEquals(1, next.size());
        assertEquals(Set.of("old", "new"), Set.of(one.get(0).message().correlationId(),
                next.get(0).message().correlationId()));
        one.get(0).ack();
        next.get(0).ack();

        queue.publish(message("x", "{}")).toCompletableFuture().join();
        pollUntil(first, 1, Duration.ofSeconds(5)).get(0).defer(Duration.ZERO);
        queue.publish(message("y", "{}")).toCompletableFuture().join();
        Delivery seen = first.poll(1, Duration.ofMillis(200)).get(0);
        seen.ack();
        first.close();
        List<Delivery> handedBack = consumer(queue).poll(5, Duration.ofMillis(200));
        assertEquals(1, handedBack.size(), "no wait for the visibility timeout of 60 s");
        assertEquals(Set.of("x", "y"), Set.of(seen.message().correlationId(),
                handedBack.get(0).message().correlationId()));
        assertEquals(1, handedBack.get(0).attempt());
        handedBack.get(0).ack();
        assertEquals(0, queue.depth());
    }

    @Test
    void aWorkerWhoseSettleFailedDoesNotTakeTheEntryBackFromTheOneThatReclaimedIt() throws Exception {
        try (RedisServer own = RedisServer.startPersistent()) {
            RedisQueue stalled = queue(process(), own.url(), "a", "visibility_timeout", "1s");
            QueueConsumer first = consumer(stalled);
            stalled.publish(message("m", "{}")).toCompletableFuture().join();
            Delivery held = pollUntil(first, 1, Duration.ofSeconds(5)).get(0);
            own.kill();
            assertThrows(HqmException.class, held::ack); // a would deliver it again as soon as Redis answers
            own.restart();
            waitFor(() -> stalled.health().healthy() ? true : null, Duration.ofSeconds(10));

            RedisQueue other = queue(process(), own.url(), "b", "visibility_timeout", "1s");
            QueueConsumer taker = consumer(other);
            List<Delivery> taken = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (taken.isEmpty() && System.nanoTime() < deadline) {
                own.call("XCLAIM", "openhqm-requests", "openhqm-workers", "a:workers", "0",
                        ((RedisDelivery) held).entryId(), "IDLE", "5000", "JUSTID");
                taken.addAll(taker.poll(1, Duration.ofMillis(100)));
            }
            assertEquals(1, taken.size());

            List<Delivery> again = new ArrayList<>();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < deadline) {
                try {
                    again.addAll(first.poll(1, Duration.ofMillis(200)));
                } catch (HqmException stillReconnecting) {
                    Thread.sleep(100);
                }
            }
            assertEquals(List.of(), again, "not delivered a second time while b holds it");
            List<?> pending = (List<?>) own.call("XPENDING", "openhqm-requests", "openhqm-workers", "-", "+", "10");
            assertEquals("b:workers", String.valueOf(((List<?>) pending.get(0)).get(1)));
            taken.get(0).ack();
            assertEquals(0L, own.callLong("XLEN", "openhqm-requests"));
        }
    }

    @Test
    void closingTheAdaptersAndThenTheProcessLeavesNoThreadBehind() throws Exception {
        TestPluginContext process = new TestPluginContext("h");
        var config = MapPluginConfig.of("queue.redis", "url", redis.url(), "consumer_name", "t");
        RedisQueue queue = (RedisQueue) new RedisQueueFactory().create(config, SETTINGS, process);
        var store = new RedisResultStoreFactory().create(config,
                new io.openhqm.api.result.ResultSettings(Duration.ofMinutes(1)), process);
        store.awaitTerminal("nobody", Duration.ofMillis(100)).toCompletableFuture().join();
        QueueConsumer consumer = queue.consumer("workers");
        consumer.poll(1, Duration.ofMillis(50));
        assertTrue(pluginThreads() > 0);
        consumer.close();
        store.close();
        queue.close();
        process.close();
        waitFor(() -> pluginThreads() == 0 ? true : null, Duration.ofSeconds(5));
    }

    private static long pluginThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("lettuce-") || t.getName().startsWith("hqm-redis-")).count();
    }

    private static <T> T waitFor(java.util.function.Supplier<T> probe, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                T value = probe.get();
                if (value != null) {
                    return value;
                }
            } catch (RuntimeException notYet) {
                // try again
            }
            Thread.sleep(50);
        }
        throw new AssertionError("condition not met within " + max);
    }
}
