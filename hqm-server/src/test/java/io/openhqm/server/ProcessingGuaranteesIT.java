package io.openhqm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import io.openhqm.server.cli.CommandLine.Command;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
        // The state a worker leaves when it dies after storing FAILED and before dead-lettering: the record is
        // terminal and the message, which that worker had taken, is back in the queue (not a first delivery).
        try (Server listener = ServerIT.start(home, Command.LISTENER)) {
            Instant at = Instant.now();
            listener.results().put(RequestRecord.pending("dlq-1", at, null).processing(1, at)
                    .finished(Status.FAILED, null, "boom", 5, at)).toCompletableFuture().join();
            listener.queue().publish(message("dlq-1", "{\"operation\": \"echo\", \"data\": 1}"))
                    .toCompletableFuture().join();
            try (QueueConsumer died = listener.queue().consumer("workers")) {
                Delivery taken = died.poll(1, Duration.ofSeconds(5)).getFirst();
                assertEquals("dlq-1", taken.message().correlationId());
                taken.defer(Duration.ZERO);
            }
        }
        try (Server server = ServerIT.start(home, Command.ALL)) {
            awaitTrue(() -> ServerIT.deadLetters(server).newest(1000).stream()
                    .anyMatch(l -> l.message().correlationId().equals("dlq-1")), "dead-lettered");
            DeadLetter letter = ServerIT.deadLetters(server).newest(1000).stream()
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
            long before = ServerIT.deadLetters(server).count();
            server.queue().publish(message("fan-1", "{\"operation\": \"error\", \"message\": \"pool b\"}"))
                    .toCompletableFuture().join();
            server.queue().publish(message("fan-2", "{\"operation\": \"echo\", \"data\": 2}"))
                    .toCompletableFuture().join();

            awaitTrue(() -> ServerIT.deadLetters(server).count() == before + 1, "pool b processed fan-1");
            awaitTrue(() -> server.queue().depth() == 0, "both settled");
            assertEquals(Status.COMPLETED, server.results().get("fan-1").toCompletableFuture().join().orElseThrow()
                    .status());
            assertTrue(server.results().get("fan-2").toCompletableFuture().join().isEmpty(), "no record written");
        }
    }

    @Test
    void theTimeoutBoundsTheWholeProcessingAcrossRetries() throws Exception {
        try (Server server = ServerIT.start(home, Command.ALL, "worker.max_retries=50",
                "worker.retry_delay_base=50ms", "worker.retry_delay_max=100ms")) {
            TestHttp http = new TestHttp(server.address().getPort());
            // 40 quick failures with at most 100 ms between them: each attempt is far within 1 s, all of them not.
            String id = http.send(http.post("/api/v1/submit", "{\"payload\": {\"operation\": \"flaky\","
                    + " \"failures\": 40, \"data\": 1}, \"metadata\": {\"timeout\": 1}}")).json()
                    .get("correlation_id").asText();

            TestHttp.Reply result = http.awaitResult(id, 20);

            assertEquals("TIMEOUT", result.json().get("status").asText(), result.body());
            TestHttp.Reply status = http.send(http.get("/api/v1/status/" + id));
            assertTrue(status.json().get("attempts").asInt() < 41, status.body());
        }
    }

    @Test
    void aBatchIsProcessedInOneCallAndOnlyItsFailingMessagesFail() throws Exception {
        try (Server server = ServerIT.start(home, Command.ALL, "worker.batch_size=4", "worker.batch_wait=2s")) {
            TestHttp http = new TestHttp(server.address().getPort());
            List<String> ids = new ArrayList<>();
            for (String payload : List.of("{\"operation\": \"echo\", \"data\": 0}",
                    "{\"operation\": \"error\", \"message\": \"bad row\"}",
                    "{\"operation\": \"flaky\", \"failures\": 1, \"data\": 2}",
                    "{\"operation\": \"echo\", \"data\": 3}")) {
                ids.add(http.submit(payload).json().get("correlation_id").asText());
            }

            TestHttp.Reply first = http.awaitResult(ids.get(0), 15);
            assertEquals("COMPLETED", first.json().get("status").asText(), first.body());
            assertEquals(4, first.json().get("result").get("batch").get("size").asInt(), first.body());
            TestHttp.Reply failed = http.awaitResult(ids.get(1), 15);
            assertEquals("FAILED", failed.json().get("status").asText(), failed.body());
            assertEquals("bad row", failed.json().get("error").asText());
            TestHttp.Reply retried = http.awaitResult(ids.get(2), 15);
            assertEquals("COMPLETED", retried.json().get("status").asText(), retried.body());
            assertEquals(2, http.send(http.get("/api/v1/status/" + ids.get(2))).json().get("attempts").asInt());
            TestHttp.Reply last = http.awaitResult(ids.get(3), 15);
            assertEquals(3, last.json().get("result").get("batch").get("index").asInt(), last.body());
            assertEquals(1, http.send(http.get("/api/v1/status/" + ids.get(3))).json().get("attempts").asInt());
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
