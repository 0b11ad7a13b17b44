package io.openhqm.plugin.embedded;

import static io.openhqm.plugin.embedded.Fixtures.message;
import static io.openhqm.plugin.embedded.Fixtures.pollAll;
import static io.openhqm.plugin.embedded.Fixtures.process;
import static io.openhqm.plugin.embedded.Fixtures.queue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.Health;
import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class EmbeddedQueueTest {
    private static final Duration SECOND = Duration.ofSeconds(1);
    /** Attribute values are JSON texts, kept exactly as given: spacing, escapes, any Java string. */
    private static final Map<String, String> ATTRIBUTES = Map.of(
            "source", "\"web-app\"",
            "ts", "1700000000",
            "ratio", "1.5e3",
            "nested", "{ \"a\": [1, null, true], \"b\": \"Gr\u00fc\u00dfe \\\" \uD83D\uDE00\" }",
            "naïve key \uD800", "null");

    @TempDir
    Path home;

    @Test
    void roundTripPreservesEveryFieldOfTheMessage() throws Exception {
        byte[] body = new byte[256];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-quote", "a \"quoted\" \\ value\n\twith\u0001control");
        headers.put("x-unicode", "Grüße 日本 \uD83D\uDE00 lone \uD800 surrogate");
        headers.put("x-empty", "");
        Message full = new Message("id-full", body, "application/octet-stream", headers,
                new MessageMetadata("billing", "PUT", "/v1/items/7", "a=1&b=%20", 7,
                        Duration.ofMillis(1500).plusNanos(123), Instant.parse("2025-03-04T05:06:07.123456789Z"),
                        "partition-1", "idem-1", "owner-digest", ATTRIBUTES));
        Message bare = new Message("id-bare", new byte[0], "text/plain", Map.of(),
                MessageMetadata.defaults(Instant.parse("1970-01-01T00:00:00Z").minusNanos(1)));

        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            queue.publish(full).toCompletableFuture().get(5, TimeUnit.SECONDS);
            queue.publish(bare).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals(2, queue.depth());

            List<Delivery> deliveries = consumer.poll(10, SECOND);
            assertEquals(2, deliveries.size());
            Delivery first = deliveries.get(0); // priority 7 before 0
            Delivery second = deliveries.get(1);
            assertEquals(full, first.message());
            assertEquals(bare, second.message());
            assertEquals(headers, first.message().headers());
            assertEquals(full.metadata(), first.message().metadata());
            assertEquals(bare.metadata(), second.message().metadata());
            assertEquals(1, first.attempt());
            assertEquals(List.of(), first.history());
            assertNotSame(full, first.message());

            first.ack();
            second.ack();
            assertEquals(0, queue.depth());
            assertEquals(List.of(), consumer.poll(10, Duration.ZERO));
        }
    }

    @Test
    void theOutcomeIsStoredAndTheMessageAcknowledgedInOneTransaction() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c");
             EmbeddedResultStore store = Fixtures.store(process, Duration.ofHours(1));
             EmbeddedResultStore elsewhere = Fixtures.store(process, Duration.ofHours(1), "path", "other/data")) {
            queue.publish(message("done-1")).toCompletableFuture().join();
            queue.publish(message("done-2")).toCompletableFuture().join();
            List<Delivery> both = pollAll(consumer, 2, SECOND);
            Instant at = Instant.ofEpochMilli(1_700_000_000_000L);
            RequestRecord first = RequestRecord.pending("done-1", at, "o").processing(1, at)
                    .finished(Status.COMPLETED, null, null, 3, at);
            RequestRecord second = RequestRecord.pending("done-2", at, null).processing(1, at)
                    .finished(Status.COMPLETED, null, null, 3, at);
            var waiting = store.awaitTerminal("done-1", Duration.ofSeconds(10)).toCompletableFuture();

            both.get(0).ack(first, store);
            both.get(1).ack(second, elsewhere);

            assertEquals(first, store.get("done-1").toCompletableFuture().join().orElseThrow());
            assertEquals(first, waiting.get(5, TimeUnit.SECONDS).orElseThrow(), "its waiters are woken");
            assertEquals(second, elsewhere.get("done-2").toCompletableFuture().join().orElseThrow(),
                    "a store in another database gets the outcome first, then the ack");
            assertEquals(0, queue.depth());
        }
    }

    @Test
    void higherPriorityFirstThenFifo() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            String[][] published = {{"a", "0"}, {"b", "9"}, {"c", "0"}, {"d", "9"}, {"e", "5"}, {"f", "0"}};
            for (String[] p : published) {
                queue.publish(message(p[0], Integer.parseInt(p[1]))).toCompletableFuture().join();
            }
            List<String> order = new ArrayList<>();
            consumer.poll(2, SECOND).forEach(d -> order.add(d.message().correlationId()));
            consumer.poll(1, SECOND).forEach(d -> order.add(d.message().correlationId()));
            // a poll returns the messages leased ahead at once, even fewer than asked for
            pollAll(consumer, 3, SECOND).forEach(d -> order.add(d.message().correlationId()));
            assertEquals(List.of("b", "d", "e", "a", "c", "f"), order);
        }
    }

    @Test
    void concurrentPublishesAreGroupCommittedAndEachIsDeliveredOnce() throws Exception {
        int threads = 64;
        int total = 2_000;
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            GroupCommitWriter writer = queue.database().writer();
            long commitsBefore = writer.commits();
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            List<Thread> publishers = new ArrayList<>();
            AtomicInteger next = new AtomicInteger();
            for (int t = 0; t < threads; t++) {
                publishers.add(Thread.ofPlatform().start(() -> {
                    List<CompletableFuture<Void>> mine = new ArrayList<>();
                    for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                        mine.add(queue.publish(message("m-" + i)).toCompletableFuture());
                    }
                    synchronized (futures) {
                        futures.addAll(mine);
                    }
                }));
            }
            for (Thread t : publishers) {
                t.join();
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertEquals(total, futures.size());
            long commits = writer.commits() - commitsBefore;
            assertTrue(commits < total, "expected fewer commits than publishes, got " + commits);
            assertEquals(total, queue.depth());

            Set<String> ids = new HashSet<>();
            int deliveries = 0;
            List<Delivery> batch;
            while (!(batch = consumer.poll(100, Duration.ofMillis(200))).isEmpty()) {
                for (Delivery d : batch) {
                    deliveries++;
                    ids.add(d.message().correlationId());
                    d.ack();
                }
            }
            assertEquals(total, deliveries);
            assertEquals(total, ids.size());
            assertEquals(0, queue.depth());
        }
    }

    @Test
    void twoProcessesAndTwoConsumersEachNeverShareALeasedMessage() throws Exception {
        int total = 600;
        try (TestPluginContext processA = process(home, "process-a");
             TestPluginContext processB = process(home, "process-b");
             EmbeddedQueue a = queue(processA, "poll_interval", "20ms");
             EmbeddedQueue b = queue(processB, "poll_interval", "20ms")) {
            assertNotSame(a.database(), b.database());
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                published.add((i % 2 == 0 ? a : b).publish(message("m-" + i)).toCompletableFuture());
            }
            CompletableFuture.allOf(published.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

            Map<String, Integer> deliveries = new ConcurrentHashMap<>();
            Set<String> held = ConcurrentHashMap.newKeySet();
            AtomicInteger acked = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> workers = new ArrayList<>();
            for (EmbeddedQueue queue : List.of(a, a, b, b)) {
                QueueConsumer consumer = queue.consumer("worker-" + workers.size());
                workers.add(Thread.ofPlatform().start(() -> {
                    try (consumer) {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                        while (acked.get() < total && System.nanoTime() < deadline) {
                            for (Delivery d : consumer.poll(7, Duration.ofMillis(50))) {
                                String id = d.message().correlationId();
                                deliveries.merge(id, 1, Integer::sum);
                                if (!held.add(id)) {
                                    throw new AssertionError(id + " delivered while leased by another consumer");
                                }
                                held.remove(id);
                                d.ack();
                                acked.incrementAndGet();
                            }
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            for (Thread t : workers) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(total, deliveries.size());
            assertEquals(total, deliveries.values().stream().mapToInt(Integer::intValue).sum(),
                    "every message must be delivered exactly once: " + deliveries);
            assertEquals(0, a.depth());
        }
    }

    @Test
    void retryDelaysTheMessageWithoutBlockingOthers() throws Exception {
        // poll_interval is long so only the computed due time can wake the consumer in time
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process, "poll_interval", "10s");
             QueueConsumer consumer = queue.consumer("c")) {
            queue.publish(message("first")).toCompletableFuture().join();
            queue.publish(message("second")).toCompletableFuture().join();

            Delivery first = consumer.poll(1, SECOND).getFirst();
            assertEquals("first", first.message().correlationId());
            Instant before = Instant.now();
            long retriedAt = System.nanoTime();
            first.retry(Duration.ofMillis(500), "backend answered 503");
            Instant after = Instant.now();

            Delivery second = consumer.poll(1, Duration.ZERO).getFirst();
            assertEquals("second", second.message().correlationId(), "a delayed message must not block others");
            second.ack();

            assertEquals(List.of(), consumer.poll(1, Duration.ofMillis(100)), "delivered before its delay");
            assertTrue(elapsedMillis(retriedAt) < 500);

            List<Delivery> again = consumer.poll(1, Duration.ofSeconds(5));
            long waited = elapsedMillis(retriedAt);
            assertEquals(1, again.size());
            Delivery retried = again.getFirst();
            assertEquals("first", retried.message().correlationId());
            assertTrue(waited >= 490, "delivered after " + waited + " ms, before its 500 ms delay");
            assertTrue(waited < 2_500, "a retry due in 500 ms took " + waited + " ms (poll_interval is 10 s)");
            assertEquals(2, retried.attempt());
            assertEquals(1, retried.history().size());
            AttemptFailure failure = retried.history().getFirst();
            assertEquals(1, failure.attempt());
            assertEquals("backend answered 503", failure.error());
            assertFalse(failure.at().isBefore(before.minusMillis(1)) || failure.at().isAfter(after.plusMillis(1)));
            retried.ack();
        }
    }

    @Test
    void deferDoesNotCountAnAttempt() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            queue.publish(message("m")).toCompletableFuture().join();
            Delivery d = consumer.poll(1, SECOND).getFirst();
            assertEquals(1, d.attempt());
            assertTrue(d.firstDelivery());
            d.defer(Duration.ZERO);

            d = consumer.poll(1, SECOND).getFirst();
            assertEquals(1, d.attempt());
            assertFalse(d.firstDelivery(), "a deferred message was handed out as never seen");
            assertEquals(List.of(), d.history());
            d.retry(Duration.ZERO, "boom");

            d = consumer.poll(1, SECOND).getFirst();
            assertEquals(2, d.attempt());
            assertFalse(d.firstDelivery());
            d.defer(Duration.ofMillis(50));

            d = consumer.poll(1, SECOND).getFirst();
            assertEquals(2, d.attempt());
            assertEquals(1, d.history().size());
            d.ack();
        }
    }

    @Test
    void deadLetterMovesTheMessageWithReasonAndHistoryAndTheBrowserListsNewestFirst() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            DeadLetterBrowser browser = queue.deadLetterBrowser().orElseThrow();
            assertEquals(List.of(), browser.newest(10));
            Message first = message("first");
            Message second = message("second");
            queue.publish(first).toCompletableFuture().join();
            consumer.poll(1, SECOND).getFirst().retry(Duration.ZERO, "timeout after 30 s");
            Delivery d = consumer.poll(1, SECOND).getFirst();
            assertEquals(2, d.attempt());
            Instant before = Instant.now();
            d.deadLetter("max retries exceeded");

            assertEquals(0, queue.depth());
            assertEquals(1, browser.count());
            assertEquals(List.of(), consumer.poll(1, Duration.ofMillis(50)));

            queue.publish(second).toCompletableFuture().join();
            consumer.poll(1, SECOND).getFirst().deadLetter("400 Bad Request");
            assertEquals(2, browser.count());

            List<DeadLetter> letters = browser.newest(10);
            assertEquals(2, letters.size());
            DeadLetter a = letters.get(1);
            assertEquals(first, a.message());
            assertEquals("max retries exceeded", a.reason());
            assertEquals(1, a.history().size());
            assertEquals("timeout after 30 s", a.history().getFirst().error());
            assertEquals(1, a.history().getFirst().attempt());
            assertFalse(a.deadLetteredAt().isBefore(before.minusMillis(1)));
            DeadLetter b = letters.get(0);
            assertEquals(second, b.message());
            assertEquals("400 Bad Request", b.reason());
            assertEquals(List.of(), b.history());
            assertEquals(List.of(b), browser.newest(1));
            assertEquals(List.of(), browser.newest(0));
            assertThrows(IllegalArgumentException.class, () -> browser.newest(-1));
            assertDeprecatedMethodsReadThroughTheBrowser(queue, List.of(a, b));
        }
    }

    @Test
    void ownerAndAttributesTravelWithTheMessageIntoTheDeadLetters() throws Exception {
        Message message = new Message("m", "{}".getBytes(), "application/json", Map.of(),
                new MessageMetadata(null, null, null, null, 0, null, Instant.now(), null, null, "owner-digest",
                        ATTRIBUTES));
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            queue.publish(message).toCompletableFuture().join();
            consumer.poll(1, SECOND).getFirst().retry(Duration.ZERO, "503");
            Delivery retried = consumer.poll(1, SECOND).getFirst();
            assertEquals(message, retried.message());
            retried.deadLetter("max retries exceeded");

            Message dead = queue.deadLetterBrowser().orElseThrow().newest(1).getFirst().message();
            assertEquals(message, dead);
            assertEquals("owner-digest", dead.metadata().owner());
            assertEquals(ATTRIBUTES, dead.metadata().attributes());
        }
    }

    @Test
    void restartWithTheSameInstanceIdRedeliversInFlightMessagesAtOnce() throws Exception {
        try (TestPluginContext process = process(home, "worker-1"); EmbeddedQueue queue = queue(process)) {
            for (int i = 0; i < 3; i++) {
                queue.publish(message("m-" + i)).toCompletableFuture().join();
            }
            List<Delivery> leased = queue.consumer("c").poll(10, SECOND);
            assertEquals(3, leased.size());
            leased.forEach(d -> assertEquals(1, d.attempt()));
        } // closed without settling, as if the process died
        try (TestPluginContext restarted = process(home, "worker-1"); EmbeddedQueue queue = queue(restarted);
             QueueConsumer consumer = queue.consumer("c")) {
            List<Delivery> again = consumer.poll(10, Duration.ZERO);
            assertEquals(List.of("m-0", "m-1", "m-2"), again.stream().map(d -> d.message().correlationId()).toList());
            again.forEach(d -> assertEquals(2, d.attempt()));
            again.forEach(d -> assertFalse(d.firstDelivery()));
            again.forEach(Delivery::ack);
        }
    }

    @Test
    void aConsumerLeasesAheadAndHandsBackWhatItDidNotGiveOutWhenItCloses() throws Exception {
        try (TestPluginContext process = process(home, "a"); EmbeddedQueue queue = queue(process)) {
            for (int i = 0; i < 6; i++) {
                queue.publish(message("m-" + i)).toCompletableFuture().join();
            }
            QueueConsumer first = queue.consumer("c1");
            List<Delivery> given = new ArrayList<>(first.poll(2, SECOND));
            assertEquals(List.of("m-0", "m-1"), ids(given));
            assertEquals(4, queue.stats().inFlight(), "two leased ahead");
            given.addAll(first.poll(2, Duration.ZERO)); // at once, from the ones leased ahead
            assertEquals(List.of("m-0", "m-1", "m-2", "m-3"), ids(given));
            given.forEach(d -> assertTrue(d.firstDelivery()));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (queue.stats().inFlight() < 6 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertEquals(6, queue.stats().inFlight(), "the next two are leased ahead after the poll");

            QueueConsumer second = queue.consumer("c2");
            assertEquals(List.of(), second.poll(2, Duration.ZERO), "another consumer took a message leased ahead");
            first.close();
            List<Delivery> handedBack = pollAll(second, 2, Duration.ofSeconds(5));
            assertEquals(List.of("m-4", "m-5"), ids(handedBack));
            for (Delivery d : handedBack) {
                assertEquals(1, d.attempt(), "handing back counted an attempt");
                assertFalse(d.firstDelivery());
                d.ack();
            }
            given.forEach(Delivery::ack); // leases given out stay valid after their consumer closed
            assertEquals(0, queue.depth());
        }
    }

    private static List<String> ids(List<Delivery> deliveries) {
        return deliveries.stream().map(d -> d.message().correlationId()).toList();
    }

    @Test
    void openingTheSameQueueTwiceInOneProcessKeepsTheFirstOnesLeases() throws Exception {
        try (TestPluginContext process = process(home, "worker-1"); EmbeddedQueue first = queue(process);
             QueueConsumer consumer = first.consumer("c")) {
            first.publish(message("m")).toCompletableFuture().join();
            Delivery d = consumer.poll(1, SECOND).getFirst();
            try (EmbeddedQueue second = queue(process)) {
                assertEquals(List.of(), second.consumer("c").poll(1, Duration.ZERO),
                        "a live lease was released as if the process had restarted");
            }
            d.ack();
            assertEquals(0, first.depth());
        }
    }

    @Test
    void anotherProcessGetsUnrenewedLeasesOnlyAfterTheVisibilityTimeout() throws Exception {
        long closedAt;
        try (TestPluginContext worker1 = process(home, "worker-1");
             EmbeddedQueue queue = queue(worker1, "visibility_timeout", "1s")) {
            for (int i = 0; i < 3; i++) {
                queue.publish(message("m-" + i)).toCompletableFuture().join();
            }
            assertEquals(3, queue.consumer("c").poll(10, SECOND).size());
            closedAt = System.nanoTime();
        }
        try (TestPluginContext worker2 = process(home, "worker-2");
             EmbeddedQueue other = queue(worker2, "visibility_timeout", "1s", "poll_interval", "20ms");
             QueueConsumer consumer = other.consumer("c")) {
            assertEquals(List.of(), consumer.poll(10, Duration.ZERO), "leases of worker-1 taken before expiry");
            List<Delivery> again = pollAll(consumer, 3, Duration.ofSeconds(5));
            long waited = elapsedMillis(closedAt);
            assertEquals(3, again.size());
            assertTrue(waited >= 600, "redelivered " + waited + " ms after the holder stopped renewing");
            again.forEach(d -> assertEquals(2, d.attempt()));
            again.forEach(d -> assertFalse(d.firstDelivery()));
            again.forEach(Delivery::ack);
        }
    }

    @Test
    void leasesOfALiveDeliveryAreRenewed() throws Exception {
        try (TestPluginContext worker1 = process(home, "worker-1");
             TestPluginContext worker2 = process(home, "worker-2");
             EmbeddedQueue a = queue(worker1, "visibility_timeout", "600ms");
             EmbeddedQueue b = queue(worker2, "visibility_timeout", "600ms", "poll_interval", "20ms")) {
            a.publish(message("slow")).toCompletableFuture().join();
            Delivery d = a.consumer("c").poll(1, SECOND).getFirst();
            assertEquals(List.of(), b.consumer("c").poll(1, Duration.ofMillis(1_500)),
                    "a message being processed was taken by another process");
            d.ack();
            assertEquals(0, b.depth());
        }
    }

    @Test
    void aLateAckAfterTheLeaseWasTakenOverLeavesTheMessageToItsNewHolder() throws Exception {
        try (TestPluginContext worker1 = process(home, "worker-1");
             TestPluginContext worker2 = process(home, "worker-2");
             EmbeddedQueue a = queue(worker1, "visibility_timeout", "300ms");
             EmbeddedQueue b = queue(worker2, "visibility_timeout", "300ms", "poll_interval", "20ms")) {
            a.publish(message("m")).toCompletableFuture().join();
            QueueConsumer stale = a.consumer("c");
            Delivery old = stale.poll(1, SECOND).getFirst();
            stale.close(); // no longer renewed

            Delivery current = pollAll(b.consumer("c"), 1, Duration.ofSeconds(5)).getFirst();
            assertEquals(2, current.attempt());
            old.ack();
            assertEquals(1, b.depth(), "the late ack removed a message another consumer holds");
            current.ack();
            assertEquals(0, b.depth());
        }
    }

    @Test
    void settlingTwiceIsAnError() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            queue.publish(message("m")).toCompletableFuture().join();
            Delivery d = consumer.poll(1, SECOND).getFirst();
            d.ack();
            assertThrows(IllegalStateException.class, () -> d.retry(Duration.ZERO, "x"));
        }
    }

    @Test
    void aPublishInThisProcessWakesAWaitingConsumerAtOnce() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process, "poll_interval", "30s");
             QueueConsumer consumer = queue.consumer("c")) {
            CompletableFuture<Long> received = new CompletableFuture<>();
            AtomicReference<Long> publishedAt = new AtomicReference<>();
            Thread waiter = Thread.ofPlatform().start(() -> {
                try {
                    List<Delivery> got = consumer.poll(1, Duration.ofSeconds(20));
                    received.complete(got.isEmpty() ? -1L : elapsedMillis(publishedAt.get()));
                } catch (Throwable t) {
                    received.completeExceptionally(t);
                }
            });
            Thread.sleep(200);
            publishedAt.set(System.nanoTime());
            queue.publish(message("m")).toCompletableFuture().join();
            long latency = received.get(10, TimeUnit.SECONDS);
            waiter.join();
            assertTrue(latency >= 0 && latency < 2_000, "woken " + latency + " ms after the publish");
        }
    }

    @Test
    void aConsumerSeesMessagesOfAnotherProcessWithinThePollInterval() throws Exception {
        try (TestPluginContext listenerProcess = process(home, "listener");
             TestPluginContext workerProcess = process(home, "worker");
             EmbeddedQueue listener = queue(listenerProcess);
             EmbeddedQueue worker = queue(workerProcess, "poll_interval", "50ms");
             QueueConsumer consumer = worker.consumer("c")) {
            CompletableFuture<List<Delivery>> polled = pollLater(consumer, Duration.ofSeconds(10));
            Thread.sleep(100);
            long publishedAt = System.nanoTime();
            listener.publish(message("m")).toCompletableFuture().join();
            List<Delivery> got = polled.get(10, TimeUnit.SECONDS);
            assertEquals(1, got.size());
            assertTrue(elapsedMillis(publishedAt) < 2_000);
            got.getFirst().ack();
        }
    }

    @Test
    void depthCountsWaitingDelayedAndInFlightMessagesAndHealthReportsIt() throws Exception {
        TestPluginContext process = process(home, "a");
        EmbeddedQueue queue = queue(process);
        try (QueueConsumer consumer = queue.consumer("c")) {
            for (int i = 0; i < 3; i++) {
                queue.publish(message("m-" + i)).toCompletableFuture().join();
            }
            assertEquals(3, queue.depth());
            assertEquals(new Health(true, "depth 3"), queue.health());
            Delivery d1 = consumer.poll(1, SECOND).getFirst();
            Delivery d2 = consumer.poll(1, SECOND).getFirst();
            d2.retry(Duration.ofMinutes(5), "later");
            assertEquals(3, queue.depth());
            d1.ack();
            assertEquals(2, queue.depth());
        } finally {
            queue.close();
        }
        assertFalse(queue.health().healthy());
        queue.close(); // idempotent
        process.close();
    }

    @Test
    void publishingAfterCloseFailsInsteadOfHanging() throws Exception {
        try (TestPluginContext process = process(home, "a")) {
            EmbeddedQueue queue = queue(process);
            QueueConsumer consumer = queue.consumer("c");
            CompletableFuture<List<Delivery>> polling = pollLater(consumer, Duration.ofSeconds(30));
            Thread.sleep(100);
            queue.close();
            assertEquals(List.of(), polling.get(5, TimeUnit.SECONDS),
                    "a waiting poll must end when the queue closes");

            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> queue.publish(message("late")).toCompletableFuture().get(5, TimeUnit.SECONDS));
            HqmException cause = assertInstanceOf(HqmException.class, e.getCause());
            assertTrue(cause.isRetryable());
            assertThrows(HqmException.class, () -> queue.consumer("other"));
        }
    }

    @Test
    void aPublishBeyondTheBacklogIsRefusedAtOnceAndEveryAcceptedPublishIsKept() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process, "max_backlog", 5); QueueConsumer consumer = queue.consumer("c")) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch writerHeld = new CountDownLatch(1);
            CompletableFuture<Object> blocker = queue.database().write(s -> Fixtures.hold(writerHeld, release));
            writerHeld.await();

            List<CompletableFuture<Void>> accepted = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                accepted.add(queue.publish(message("m-" + i)).toCompletableFuture());
            }
            CompletableFuture<Void> refused = queue.publish(message("refused")).toCompletableFuture();
            ExecutionException e = assertThrows(ExecutionException.class, () -> refused.get(1, TimeUnit.SECONDS),
                    "a publish beyond the backlog must fail at once, while the writer is still held");
            HqmException overloaded = assertInstanceOf(HqmException.class, e.getCause());
            assertEquals(ErrorKind.TRANSIENT, overloaded.kind());
            assertEquals("the embedded queue is overloaded; retry later", overloaded.getMessage());
            assertFalse(accepted.stream().anyMatch(CompletableFuture::isDone));

            release.countDown();
            blocker.get(5, TimeUnit.SECONDS);
            CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
            assertEquals(5, queue.depth());
            List<String> delivered = pollAll(consumer, 5, Duration.ofSeconds(5)).stream()
                    .map(d -> d.message().correlationId()).toList();
            assertEquals(List.of("m-0", "m-1", "m-2", "m-3", "m-4"), delivered);
            queue.publish(message("later")).toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void pollIsInterruptible() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    consumer.poll(1, Duration.ofSeconds(30));
                    outcome.complete(null);
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            Thread.sleep(100);
            t.interrupt();
            assertInstanceOf(InterruptedException.class, outcome.get(5, TimeUnit.SECONDS));
        }
    }

    /** The SPI 1.0 methods still work, through the browser: the newest ones, oldest of them first. */
    @SuppressWarnings("removal")
    private static void assertDeprecatedMethodsReadThroughTheBrowser(EmbeddedQueue queue, List<DeadLetter> all) {
        assertEquals(all.size(), queue.deadLetterCount());
        assertEquals(all, queue.deadLetters(10));
        assertEquals(all.subList(all.size() - 1, all.size()), queue.deadLetters(1));
    }

    /** One message polled with {@code wait} on another thread. */
    private static CompletableFuture<List<Delivery>> pollLater(QueueConsumer consumer, Duration wait) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return consumer.poll(1, wait);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static long elapsedMillis(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
