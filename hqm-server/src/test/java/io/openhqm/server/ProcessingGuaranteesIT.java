package io.openhqm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import io.openhqm.server.cli.CommandLine.Command;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the worker engine guarantees about outcomes, on the real embedded queue and store. */
class ProcessingGuaranteesIT {
    @TempDir
    Path home;

    @Test
    void aFailedMessageRedeliveredBeforeItReachedTheDeadLettersIsDeadLetteredThen() throws Exception {
        try (Server server = ServerIT.start(home, Command.ALL)) {
            // The state a worker leaves when it dies after storing FAILED and before dead-lettering.
            Instant at = Instant.now();
            server.results().put(RequestRecord.pending("dlq-1", at, null).processing(1, at)
                    .finished(Status.FAILED, null, "boom", 5, at)).toCompletableFuture().join();
            long before = server.queue().deadLetterCount();
            server.queue().publish(message("dlq-1", "{\"operation\": \"echo\", \"data\": 1}"))
                    .toCompletableFuture().join();

            awaitTrue(() -> server.queue().deadLetterCount() == before + 1, "dead-lettered");
            DeadLetter letter = server.queue().deadLetters(1000).stream()
                    .filter(l -> l.message().correlationId().equals("dlq-1")).findFirst().orElseThrow();
            assertEquals("boom", letter.reason());
            awaitTrue(() -> server.queue().depth() == 0, "settled");
            assertEquals(Status.FAILED, server.results().get("dlq-1").toCompletableFuture().join().orElseThrow()
                    .status());
        }
    }

    @Test
    void aPoolThatWritesNoResultsProcessesEveryDeliveryAndStoresNothing() throws Exception {
        try (Server server = ServerIT.start(home, Command.ALL, "worker.write_results=false")) {
            Instant at = Instant.now();
            // Another pool already completed this message: this pool still processes it (fan-out).
            server.results().put(RequestRecord.pending("fan-1", at, null).processing(1, at)
                    .finished(Status.COMPLETED, null, null, 5, at)).toCompletableFuture().join();
            long before = server.queue().deadLetterCount();
            server.queue().publish(message("fan-1", "{\"operation\": \"error\", \"message\": \"pool b\"}"))
                    .toCompletableFuture().join();
            server.queue().publish(message("fan-2", "{\"operation\": \"echo\", \"data\": 2}"))
                    .toCompletableFuture().join();

            awaitTrue(() -> server.queue().deadLetterCount() == before + 1, "pool b processed fan-1");
            awaitTrue(() -> server.queue().depth() == 0, "both settled");
            assertEquals(Status.COMPLETED, server.results().get("fan-1").toCompletableFuture().join().orElseThrow()
                    .status());
            assertTrue(server.results().get("fan-2").toCompletableFuture().join().isEmpty(), "no record written");
        }
    }

    @Test
    void theTimeoutBoundsTheWholeProcessingAcrossRetries() throws Exception {
        try (Server server = ServerIT.start(home, Command.ALL, "worker.retry_delay_base=300ms")) {
            TestHttp http = new TestHttp(server.address().getPort());
            // Each attempt fails at once; the retries' backoff alone passes the 0.8 s timeout by the third attempt.
            String id = http.send(http.post("/api/v1/submit", "{\"payload\": {\"operation\": \"flaky\","
                    + " \"failures\": 5, \"data\": 1}, \"metadata\": {\"timeout\": 0.8}}")).json()
                    .get("correlation_id").asText();

            TestHttp.Reply result = http.awaitResult(id, 15);

            assertEquals("TIMEOUT", result.json().get("status").asText(), result.body());
            TestHttp.Reply status = http.send(http.get("/api/v1/status/" + id));
            assertTrue(status.json().get("attempts").asInt() < 6, status.body());
        }
    }

    static Message message(String id, String json) {
        return new Message(id, json.getBytes(StandardCharsets.UTF_8), "application/json", Map.of(),
                MessageMetadata.defaults(Instant.now()));
    }

    static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not " + what + " within 10 s");
    }
}
