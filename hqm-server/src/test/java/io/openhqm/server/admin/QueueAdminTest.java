package io.openhqm.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openhqm.api.Health;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.Status;
import io.openhqm.testing.InMemoryQueue;
import io.openhqm.testing.InMemoryResultStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueueAdminTest {
    private final InMemoryQueue queue = new InMemoryQueue();
    private final InMemoryResultStore results = new InMemoryResultStore();
    private final Throughput throughput = new Throughput(new SimpleMeterRegistry());

    @AfterEach
    void close() {
        throughput.close();
    }

    private QueueAdmin admin(ResultStore store) {
        return new QueueAdmin(queue, store, throughput, "requests", "memory", "dlq", Clock.systemUTC());
    }

    /** A message that failed for good: its FAILED record is stored and it is a dead letter. */
    private void failed(String id) throws Exception {
        queue.add(id, "{}", null);
        Delivery delivery = queue.consumer("c").poll(1, Duration.ofSeconds(1)).getFirst();
        Instant now = Instant.now();
        results.put(RequestRecord.pending(id, now, "owner").processing(1, now)
                .finished(Status.FAILED, null, "HTTP 500", 5, now)).toCompletableFuture().join();
        delivery.deadLetter("HTTP 500");
    }

    @Test
    void redriveMakesTheRecordPendingAfreshAndQueuesTheMessageAgain() throws Exception {
        failed("m");

        RequestRecord pending = admin(results).redrive("m").orElseThrow();

        RequestRecord stored = results.get("m").toCompletableFuture().join().orElseThrow();
        assertEquals(pending, stored);
        assertEquals(Status.PENDING, stored.status());
        assertEquals(0, stored.attempts());
        assertNull(stored.startedAt(), "the message's timeout counts afresh");
        assertNull(stored.error());
        assertEquals("owner", stored.owner(), "still readable only by its submitter");
        assertEquals(0, queue.deadLetterBrowser().orElseThrow().count());
        assertEquals(1, queue.consumer("c").poll(1, Duration.ofSeconds(1)).getFirst().attempt());
    }

    @Test
    void anUnknownDeadLetterChangesNothing() throws Exception {
        failed("m");
        assertEquals(Optional.empty(), admin(results).redrive("other"));
        assertEquals(Status.FAILED, results.get("m").toCompletableFuture().join().orElseThrow().status());
        assertEquals(1, queue.deadLetterBrowser().orElseThrow().count());
    }

    @Test
    void aResultStoreThatCannotReopenLeavesTheDeadLetterWhereItIs() throws Exception {
        failed("m");
        ResultStore withoutReopen = new ResultStore() {
            @Override
            public CompletionStage<Void> put(RequestRecord record) {
                return results.put(record);
            }

            @Override
            public CompletionStage<Optional<RequestRecord>> get(String correlationId) {
                return results.get(correlationId);
            }

            @Override
            public CompletionStage<Optional<RequestRecord>> awaitTerminal(String correlationId, Duration maxWait) {
                return results.awaitTerminal(correlationId, maxWait);
            }

            @Override
            public CompletionStage<IdempotencyClaim> claimIdempotencyKey(IdempotencyClaim claim) {
                return results.claimIdempotencyKey(claim);
            }

            @Override
            public Health health() {
                return results.health();
            }

            @Override
            public void close() {
            }
        };

        assertThrows(UnsupportedOperationException.class, () -> admin(withoutReopen).redrive("m"));
        assertEquals(1, queue.deadLetterBrowser().orElseThrow().count());
        assertEquals(Status.FAILED, results.get("m").toCompletableFuture().join().orElseThrow().status());
    }

    @Test
    void theOverviewCountsDepthAndDeadLetters() throws Exception {
        failed("m");
        queue.add("waiting", "{}", null);
        QueueAdmin.Overview overview = admin(results).overview();
        assertEquals(List.of("requests", "memory", 1L, "dlq", 1L), List.of(overview.name(), overview.type(),
                overview.depth(), overview.deadLetterQueue(), overview.deadLetters()));
    }
}
