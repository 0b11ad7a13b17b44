package io.openhqm.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.processing.Outcome;
import io.openhqm.api.processing.Processor;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.result.Reply;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import io.openhqm.testing.InMemoryQueue;
import io.openhqm.testing.InMemoryResultStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The delivery pipeline on in-memory adapters: what is stored, then how each delivery is settled. */
class DeliveryPipelineTest {
    final InMemoryQueue queue = new InMemoryQueue();
    final InMemoryResultStore results = new InMemoryResultStore();
    final AtomicInteger calls = new AtomicInteger();

    DeliveryPipeline pipeline(Processor processor) {
        return pipeline(processor, Duration.ofSeconds(1));
    }

    DeliveryPipeline pipeline(Processor processor, Duration timeout) {
        return pipeline(processor, timeout, Duration.ofMillis(50));
    }

    DeliveryPipeline pipeline(Processor processor, Duration timeout, Duration processingStatusDelay) {
        return new DeliveryPipeline((message, attempt) -> {
            calls.incrementAndGet();
            return processor.process(message, attempt);
        }, results, true, processingStatusDelay, new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20)), timeout,
                Clock.systemUTC(), new SimpleMeterRegistry());
    }

    Delivery next() throws InterruptedException {
        return queue.consumer("test").poll(1, Duration.ofSeconds(1)).getFirst();
    }

    @Test
    void aCompletedOutcomeIsStoredBeforeTheAck() throws Exception {
        queue.add("a", "{}", null);
        pipeline((message, attempt) -> Outcome.completed(Reply.json("{\"ok\": true}"))).process(next());

        assertEquals(List.of("ack a"), queue.settled);
        RequestRecord stored = results.records.get("a");
        assertEquals(Status.COMPLETED, stored.status());
        assertEquals(1, stored.attempts());
        assertTrue(stored.startedAt() != null);
    }

    @Test
    void aFailedStoreLeavesTheMessageToBeDeliveredAgain() throws Exception {
        queue.add("a", "{}", null);
        results.failure = new IllegalStateException("store down");

        pipeline((message, attempt) -> Outcome.completed(Reply.json("{}"))).process(next());

        assertEquals(List.of("defer a"), queue.settled);
    }

    @Test
    void aRedeliveredFinishedMessageIsNotProcessedAgain() throws Exception {
        Instant at = Instant.now();
        results.put(RequestRecord.pending("done", at, null).processing(1, at)
                .finished(Status.COMPLETED, null, null, 1, at));
        results.put(RequestRecord.pending("failed", at, null).processing(1, at)
                .finished(Status.FAILED, null, "boom", 1, at));
        queue.add("done", "{}", null);
        queue.add("failed", "{}", null);
        DeliveryPipeline pipeline = pipeline((message, attempt) -> Outcome.completed(Reply.json("{}")));

        pipeline.process(next());
        pipeline.process(next());

        assertEquals(0, calls.get());
        assertEquals(List.of("ack done", "deadLetter failed"), queue.settled);
    }

    @Test
    void aFirstDeliveryIsProcessedWithoutReadingItsRecordAndARedeliveryReadsIt() throws Exception {
        queue.tellsFirstDeliveries = true;
        queue.add("a", "{}", null);
        queue.add("a", "{}", null); // delivered again, as after a crash between its outcome and its ack
        DeliveryPipeline pipeline = pipeline((message, attempt) -> Outcome.completed(Reply.json("{}")));

        pipeline.process(next());
        assertEquals(0, results.reads.get(), "a first delivery has no record to read");
        assertEquals(Status.COMPLETED, results.records.get("a").status());
        pipeline.process(next());

        assertEquals(1, results.reads.get());
        assertEquals(1, calls.get(), "the redelivery found the outcome and was not processed again");
        assertEquals(List.of("ack a", "ack a"), queue.settled);
    }

    @Test
    void exceptionsAreClassifiedAndRetriesEndInTheDeadLetters() throws Exception {
        queue.add("transient", "{}", null);
        queue.add("bug", "{}", null);
        DeliveryPipeline pipeline = pipeline((message, attempt) -> {
            if (message.correlationId().equals("transient")) {
                throw HqmException.transientFailure("backend busy", null);
            }
            throw new IllegalStateException("a bug");
        });

        for (int i = 0; i < 4; i++) {
            pipeline.process(next());
        }

        assertEquals(List.of("retry transient", "deadLetter bug", "retry transient", "deadLetter transient"),
                queue.settled);
        assertEquals(Status.FAILED, results.records.get("bug").status());
        assertEquals("a bug", results.records.get("bug").error());
        assertTrue(results.records.get("transient").error().contains("gave up after 3 attempts"));
    }

    @Test
    void aMessageWhoseDeliveriesNeverFinishedIsDeadLetteredUnprocessedOnceItHadAllItsAttempts() throws Exception {
        for (int i = 0; i < 4; i++) {
            queue.add("poison", "{}", null); // deliveries 1-3 "killed their worker"; the 4th is past max_retries 2
        }
        DeliveryPipeline pipeline = pipeline((message, attempt) -> Outcome.completed(Reply.json("{}")));
        for (int i = 0; i < 3; i++) {
            next();
        }

        pipeline.process(next());

        assertEquals(0, calls.get());
        assertEquals(List.of("deadLetter poison"), queue.settled);
        assertEquals(Status.FAILED, results.records.get("poison").status());
        assertTrue(results.records.get("poison").error().contains("gave up after 3 deliveries"));
    }

    @Test
    void anAttemptPastTheTimeoutIsInterruptedAndEndsTimeout() throws Exception {
        queue.add("slow", "{}", null);
        pipeline((message, attempt) -> {
            Thread.sleep(10_000);
            return Outcome.completed(Reply.json("{}"));
        }).process(next());

        assertEquals(List.of("deadLetter slow"), queue.settled);
        assertEquals(Status.TIMEOUT, results.records.get("slow").status());
    }

    @Test
    void aProcessorIgnoringTheInterruptEndsTimeoutAtTheDeadlineAndItsLateResultIsDiscarded() throws Exception {
        queue.add("stuck", "{}", null);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger interrupts = new AtomicInteger();
        DeliveryPipeline pipeline = pipeline((message, attempt) -> {
            while (true) {
                try {
                    release.await();
                    return Outcome.completed(Reply.json("{}"));
                } catch (InterruptedException ignored) {
                    interrupts.incrementAndGet();
                }
            }
        }, Duration.ofMillis(300));
        Delivery delivery = next();
        CountDownLatch settled = new CountDownLatch(1);
        long started = System.nanoTime();
        Thread worker = Thread.ofVirtual().start(() -> pipeline.process(List.of(delivery), settled::countDown));

        assertTrue(settled.await(5, TimeUnit.SECONDS), "not settled while the processor hangs");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(ms >= 290 && ms < 3_000, "settled after " + ms + " ms with a 300 ms timeout");
        assertTrue(worker.isAlive(), "the processor still holds its thread");
        assertEquals(1, interrupts.get());
        assertEquals(List.of("deadLetter stuck"), queue.settled);
        assertEquals(Status.TIMEOUT, results.records.get("stuck").status());

        release.countDown();
        worker.join(5_000);
        assertFalse(worker.isAlive());
        assertEquals(List.of("deadLetter stuck"), queue.settled, "the late outcome was discarded");
        assertEquals(Status.TIMEOUT, results.records.get("stuck").status());
    }

    @Test
    void aTimedOutAttemptsInterruptNeverReachesTheNextDeliveryOnTheSameThread() throws Exception {
        // Attempts that end around their deadline, racing the watchdog: whichever concludes, the thread goes on to
        // the next delivery uninterrupted, so its stores succeed.
        DeliveryPipeline pipeline = pipeline((message, attempt) -> {
            if (message.correlationId().startsWith("racing")) {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            return Outcome.completed(Reply.json("{}"));
        });
        for (int i = 0; i < 50; i++) {
            queue.publish(new Message("racing-" + i, new byte[0], "application/json", Map.of(),
                    new MessageMetadata(null, null, null, null, 0, Duration.ofMillis(5), Instant.now(), null, null)));
            queue.add("next-" + i, "{}", null);
            pipeline.process(next());
            assertFalse(Thread.currentThread().isInterrupted(), "interrupted after attempt " + i);
            pipeline.process(next());
        }

        assertEquals(50, queue.settled.stream().filter(s -> s.startsWith("ack next-")).count(), queue.settled
                .toString());
        assertEquals(100, queue.settled.size());
    }

    @Test
    void aBatchIsStoppedAtItsEarliestDeadline() throws Exception {
        queue.add("a", "{}", null);
        queue.add("b", "{}", null);
        DeliveryPipeline pipeline = pipeline((message, attempt) -> {
            Thread.sleep(10_000);
            return Outcome.completed(Reply.json("{}"));
        }, Duration.ofSeconds(2));
        // a's first attempt began 1.5 s ago (it waits for a retry), so its deadline comes first; b still has time
        Instant earlier = Instant.now().minusMillis(1_500);
        results.put(RequestRecord.pending("a", earlier, null).processing(1, earlier).waitingForRetry("x", earlier));

        pipeline.process(List.of(next(), next()));

        assertEquals(List.of("deadLetter a", "retry b"), queue.settled);
        assertEquals(Status.TIMEOUT, results.records.get("a").status());
        assertEquals(Status.PENDING, results.records.get("b").status());
    }

    /** Waits up to {@code ms} for the stored status of {@code id} to be {@code status}. */
    boolean statusWithin(String id, Status status, long ms) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (System.nanoTime() < until) {
            RequestRecord stored = results.records.get(id);
            if (stored != null && stored.status() == status) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    @Test
    void aFastAttemptStoresNoProcessingStatusAndASlowOneStoresItWhileItRuns() throws Exception {
        queue.add("fast", "{}", null);
        queue.add("slow", "{}", null);
        AtomicInteger sawProcessing = new AtomicInteger();
        DeliveryPipeline pipeline = pipeline((message, attempt) -> {
            if (message.correlationId().equals("slow") && statusWithin("slow", Status.PROCESSING, 2_000)) {
                sawProcessing.incrementAndGet();
            }
            return Outcome.completed(Reply.json("{}"));
        }, Duration.ofSeconds(5), Duration.ofMillis(100));

        pipeline.process(next());
        pipeline.process(next());

        assertEquals(List.of("fast COMPLETED", "slow PROCESSING", "slow COMPLETED"), results.puts);
        assertEquals(1, sawProcessing.get(), "PROCESSING was stored while the attempt ran");
        assertEquals(List.of("ack fast", "ack slow"), queue.settled);
    }

    @Test
    void withNoDelayProcessingIsStoredBeforeTheAttempt() throws Exception {
        queue.add("a", "{}", null);
        List<Status> seenByTheAttempt = new java.util.concurrent.CopyOnWriteArrayList<>();
        pipeline((message, attempt) -> {
            seenByTheAttempt.add(results.records.get("a").status());
            return Outcome.completed(Reply.json("{}"));
        }, Duration.ofSeconds(5), Duration.ZERO).process(next());

        assertEquals(List.of(Status.PROCESSING), seenByTheAttempt);
        assertEquals(List.of("a PROCESSING", "a COMPLETED"), results.puts);
    }

    @Test
    void aRetryBeforeTheDelayStoresOnlyPendingWithTheStartOfTheFirstAttempt() throws Exception {
        queue.add("r", "{}", null);
        Instant before = Instant.now();
        pipeline((message, attempt) -> {
            throw HqmException.transientFailure("backend busy", null);
        }, Duration.ofSeconds(5), Duration.ofSeconds(1)).process(next());

        assertEquals(List.of("r PENDING"), results.puts);
        RequestRecord stored = results.records.get("r");
        assertEquals(1, stored.attempts());
        assertEquals("backend busy", stored.error());
        assertFalse(stored.startedAt().isBefore(before), "the timeout counts from this attempt");
        assertEquals(List.of("retry r"), queue.settled);
    }

    @Test
    void aRetryAfterTheMarkStoresPendingOnlyOnceProcessingIsStored() throws Exception {
        queue.add("r", "{}", null);
        CompletableFuture<Void> processingStored = new CompletableFuture<>();
        results.holdProcessingPuts = processingStored;
        DeliveryPipeline pipeline = pipeline((message, attempt) -> {
            Thread.sleep(200); // past the 20 ms delay: PROCESSING is sent, and held by the store
            throw HqmException.transientFailure("backend busy", null);
        }, Duration.ofSeconds(5), Duration.ofMillis(20));
        Delivery delivery = next();
        CountDownLatch settled = new CountDownLatch(1);
        Thread.ofVirtual().start(() -> pipeline.process(List.of(delivery), settled::countDown));

        assertFalse(settled.await(500, TimeUnit.MILLISECONDS), "settled before PROCESSING was stored");
        assertEquals(List.of(), results.puts);
        processingStored.complete(null);

        assertTrue(settled.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("r PROCESSING", "r PENDING"), results.puts);
        assertEquals(List.of("retry r"), queue.settled);
    }

    @Test
    void afterAnIdleSpellTheWatchdogStillMarksAndStopsAttemptsOnTime() throws Exception {
        DeliveryPipeline pipeline = pipeline((message, attempt) -> {
            Thread.sleep(10_000);
            return Outcome.completed(Reply.json("{}"));
        }, Duration.ofMillis(400), Duration.ofMillis(50));
        Thread.sleep(1_500); // nothing to watch for over a second: the watchdog sleeps until an attempt starts
        queue.add("slow", "{}", null);

        long started = System.nanoTime();
        pipeline.process(next());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertTrue(ms >= 390 && ms < 2_000, "stopped after " + ms + " ms with a 400 ms timeout");
        assertEquals(List.of("slow PROCESSING", "slow TIMEOUT"), results.puts);
        assertEquals(List.of("deadLetter slow"), queue.settled);
    }
}
