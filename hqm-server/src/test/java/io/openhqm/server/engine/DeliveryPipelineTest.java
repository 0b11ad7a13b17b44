package io.openhqm.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openhqm.api.HqmException;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The delivery pipeline on in-memory adapters: what is stored, then how each delivery is settled. */
class DeliveryPipelineTest {
    final InMemoryQueue queue = new InMemoryQueue();
    final InMemoryResultStore results = new InMemoryResultStore();
    final AtomicInteger calls = new AtomicInteger();

    DeliveryPipeline pipeline(Processor processor) {
        return new DeliveryPipeline((message, attempt) -> {
            calls.incrementAndGet();
            return processor.process(message, attempt);
        }, results, true, new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20)), Duration.ofSeconds(1),
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
}
