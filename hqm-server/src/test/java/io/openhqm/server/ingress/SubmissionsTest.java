package io.openhqm.server.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openhqm.testing.InMemoryQueue;
import io.openhqm.testing.InMemoryResultStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The submission rules on in-memory adapters: reservation, idempotency, undoing refused submissions, depth. */
class SubmissionsTest {
    final InMemoryQueue queue = new InMemoryQueue();
    final InMemoryResultStore results = new InMemoryResultStore();
    QueueDepthMonitor depth;

    Submissions submissions() {
        return submissions(0);
    }

    Submissions submissions(long maxDepth) {
        depth = new QueueDepthMonitor(queue, "q", Duration.ofHours(1), new SimpleMeterRegistry());
        return new Submissions(queue, results, depth, new Submissions.Options("q", maxDepth, true,
                EndpointCatalog.none()), Clock.systemUTC(), new SimpleMeterRegistry());
    }

    @AfterEach
    void stop() {
        if (depth != null) {
            depth.close();
        }
    }

    static Submission submission(String owner, String requestedId, String idempotencyKey, String body) {
        return new Submission(body.getBytes(StandardCharsets.UTF_8), "application/json", Map.of(), null, null, null,
                null, 0, null, "customer-7", requestedId, idempotencyKey, owner,
                idempotencyKey == null ? null : "digest-of-" + body, Map.of("source", "\"web-app\""));
    }

    static Accepted accept(Submissions submissions, Submission submission) {
        return submissions.submit(submission).toCompletableFuture().join();
    }

    static SubmissionRejected.Reason refusal(Submissions submissions, Submission submission) {
        CompletionException e = assertThrows(CompletionException.class, () -> accept(submissions, submission));
        return ((SubmissionRejected) e.getCause()).reason();
    }

    @Test
    void aReplayReturnsTheFirstSubmissionOfTheSameOwner() {
        Submissions submissions = submissions();
        Accepted first = accept(submissions, submission("a", null, "k", "{}"));
        Accepted again = accept(submissions, submission("a", null, "k", "{}"));

        assertFalse(first.replayed());
        assertTrue(again.replayed());
        assertEquals(first.record().correlationId(), again.record().correlationId());
        assertEquals(1, queue.published.size());
        assertEquals(SubmissionRejected.Reason.IDEMPOTENCY_CONFLICT,
                refusal(submissions, submission("a", null, "k", "{\"other\": 1}")));
    }

    @Test
    void anotherOwnersIdIsInUseWhateverItsIdempotencyKey() {
        Submissions submissions = submissions();
        accept(submissions, submission("a", "order-1", null, "{}"));

        assertEquals(SubmissionRejected.Reason.ID_IN_USE, refusal(submissions, submission("b", "order-1", "k", "{}")));
        assertEquals(SubmissionRejected.Reason.ID_IN_USE, refusal(submissions, submission("a", "order-1", "k", "{}")));
        assertEquals(1, queue.published.size());
        Accepted other = accept(submissions, submission("b", "order-2", "k", "{}"));
        assertFalse(other.replayed(), "the refused submission released the key");
    }

    @Test
    void aRefusedPublishLeavesNothingBehind() {
        Submissions submissions = submissions();
        queue.failure = new IllegalStateException("queue at 10.0.0.7:6379 unreachable");

        assertEquals(SubmissionRejected.Reason.UNAVAILABLE,
                refusal(submissions, submission("a", "order-9", "k-9", "{}")));
        assertTrue(results.records.isEmpty(), results.records.toString());
        assertTrue(results.claims.isEmpty(), results.claims.toString());

        queue.failure = null;
        Accepted retried = accept(submissions, submission("a", "order-9", "k-9", "{}"));
        assertFalse(retried.replayed());
        assertEquals("order-9", retried.record().correlationId());
        assertEquals(1, queue.published.size());
    }

    @Test
    void aRefusalSaysNothingOfTheBackend() {
        Submissions submissions = submissions();
        queue.failure = new IllegalStateException("queue at 10.0.0.7:6379 unreachable");
        CompletionException e = assertThrows(CompletionException.class,
                () -> accept(submissions, submission(null, null, null, "{}")));
        assertFalse(e.getCause().getMessage().contains("10.0.0.7"), e.getCause().getMessage());
    }

    @Test
    void aProxiedRequestKeepsItsMethodWhileASubmissionMayNotNameOneWithoutAnEndpoint() {
        Submissions submissions = submissions();
        Submission proxied = new Submission(new byte[0], "application/octet-stream", Map.of(), null, "PROPFIND",
                "/files/a", "depth=1", 0, null, null, null, null, null, null, Map.of());
        accept(submissions, proxied);
        assertEquals("PROPFIND", queue.published.getFirst().metadata().method());
        assertEquals("/files/a", queue.published.getFirst().metadata().path());
        assertEquals("depth=1", queue.published.getFirst().metadata().query());

        Submission submitted = new Submission(new byte[0], "application/json", Map.of(), null, "GET", null, null, 0,
                null, null, null, null, null, null, Map.of());
        assertEquals(SubmissionRejected.Reason.INVALID, refusal(submissions, submitted));
    }

    @Test
    void theOwnerAttributesAndPartitionKeyTravelWithTheMessage() {
        Accepted accepted = accept(submissions(), submission("a", null, null, "{}"));

        assertEquals("a", queue.published.getFirst().metadata().owner());
        assertEquals("customer-7", queue.published.getFirst().metadata().partitionKey());
        assertEquals(Map.of("source", "\"web-app\""), queue.published.getFirst().metadata().attributes());
        assertEquals("a", accepted.record().owner());
        assertEquals(Map.of("source", "\"web-app\""), results.records.get(accepted.record().correlationId())
                .attributes());
    }

    @Test
    void maxDepthHoldsBetweenTwoReadingsOfTheDepth() {
        Submissions submissions = submissions(5);
        int accepted = 0;
        for (int i = 0; i < 20; i++) {
            try {
                accept(submissions, submission(null, null, null, "{}"));
                accepted++;
            } catch (CompletionException e) {
                assertEquals(SubmissionRejected.Reason.QUEUE_FULL, ((SubmissionRejected) e.getCause()).reason());
            }
        }
        assertEquals(5, accepted);
    }
}
