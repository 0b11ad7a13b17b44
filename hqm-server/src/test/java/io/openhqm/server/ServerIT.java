package io.openhqm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.server.cli.CommandLine.Command;
import io.openhqm.server.config.ConfigLoader;
import io.openhqm.server.config.ConfigSources;
import io.openhqm.server.config.ServerConfig;
import io.openhqm.server.plugin.PluginLoader;
import io.openhqm.server.plugin.PluginRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole server in one process over real sockets: Undertow, the worker engine, the embedded SQLite queue
 * and the sample processor (both loaded as class-path plugins).
 */
class ServerIT {
    @TempDir
    static Path home;
    static Server server;
    static TestHttp http;

    /** The running server's dead letters, through the queue's browsing capability (which the embedded queue has). */
    static DeadLetterBrowser deadLetters(Server server) {
        return server.queue().deadLetterBrowser().orElseThrow();
    }

    static Server start(Path home, Command command, String... sets) {
        List<String> all = new ArrayList<>(List.of("server.port=0", "management.port=0",
                "monitoring.log_format=text", "worker.retry_delay_base=100ms", "worker.retry_delay_max=1s", "worker.max_retries=5",
                "worker.count=4"));
        all.addAll(List.of(sets));
        ServerConfig config = new ConfigLoader().load(new ConfigSources(home, List.of(), Optional.empty(),
                Map.of(), all));
        PluginRegistry registry = new PluginRegistry(new PluginLoader(ServerIT.class.getClassLoader())
                .load(home.resolve("plugins")));
        return Server.start(command, config, registry, home, "test");
    }

    @BeforeAll
    static void startServer() {
        server = start(home, Command.ALL);
        http = new TestHttp(server.address().getPort());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void theSeedQuickstartCompletes() throws Exception {
        TestHttp.Reply submitted = http.submit("{\"operation\": \"echo\", \"data\": \"Hello World\"}");

        assertEquals(202, submitted.status(), submitted.body());
        String id = submitted.json().get("correlation_id").asText();
        assertEquals("PENDING", submitted.json().get("status").asText());
        assertNotNull(submitted.json().get("submitted_at").asText());
        assertEquals("/api/v1/response/" + id, submitted.header("Location"));

        TestHttp.Reply result = http.awaitResult(id, 10);
        assertEquals(200, result.status(), result.body());
        assertEquals("COMPLETED", result.json().get("status").asText());
        assertEquals("Hello World", result.json().get("result").get("output").asText());
        assertTrue(result.json().has("processing_time_ms") && result.json().has("completed_at"));

        TestHttp.Reply status = http.send(http.get("/api/v1/status/" + id));
        assertEquals(200, status.status());
        assertEquals("COMPLETED", status.json().get("status").asText());
        assertEquals(1, status.json().get("attempts").asInt());
        assertTrue(status.json().has("updated_at"));
    }

    @Test
    void thePayloadReachesTheProcessorIntact() throws Exception {
        String data = "{\"ü\": [1, 2.5, {\"x\": \"y \\\" z\"}], \"empty\": {}, \"none\": null}";
        TestHttp.Reply reply = http.send(http.post("/api/v1/submit", "{ \"metadata\": {\"priority\": 3},"
                + " \"payload\" : {\"operation\": \"echo\", \"data\": " + data + "} }").header("Prefer", "wait=5"));

        assertEquals(200, reply.status(), reply.body());
        assertEquals(TestHttp.JSON.readTree(data), reply.json().get("result").get("output"));
    }

    @Test
    void preferWaitAnswersWithTheResult() throws Exception {
        TestHttp.Reply reply = http.send(http.post("/api/v1/submit",
                "{\"payload\": {\"operation\": \"uppercase\", \"data\": \"abc\"}}").header("Prefer", "wait=5"));

        assertEquals(200, reply.status(), reply.body());
        assertEquals("ABC", reply.json().get("result").get("output").asText());
        assertEquals("COMPLETED", reply.json().get("status").asText());
    }

    @Test
    void pendingResponseIs202WithNullResult() throws Exception {
        TestHttp.Reply submitted = http.submit("{\"operation\": \"sleep\", \"ms\": 1500}");
        String id = submitted.json().get("correlation_id").asText();

        TestHttp.Reply pending = http.send(http.get("/api/v1/response/" + id));

        assertEquals(202, pending.status(), pending.body());
        assertTrue(pending.json().get("result").isNull());
        assertEquals(200, http.awaitResult(id, 10).status());
    }

    @Test
    void aFlakyMessageIsRetriedWhileOthersPass() throws Exception {
        // Four failures wait at least 50 + 100 + 200 + 400 ms for their retries.
        String flaky = http.submit("{\"operation\": \"flaky\", \"failures\": 4, \"data\": \"x\"}")
                .json().get("correlation_id").asText();
        String echo = http.submit("{\"operation\": \"echo\", \"data\": \"quick\"}").json().get("correlation_id")
                .asText();

        TestHttp.Reply quick = http.awaitResult(echo, 10);
        assertEquals("COMPLETED", quick.json().get("status").asText());
        TestHttp.Reply flakyNow = http.send(http.get("/api/v1/status/" + flaky));
        assertNotEquals("COMPLETED", flakyNow.json().get("status").asText(),
                "the echo submitted after the flaky message finished first");

        TestHttp.Reply done = http.awaitResult(flaky, 15);
        assertEquals("COMPLETED", done.json().get("status").asText(), done.body());
        assertEquals(5, http.send(http.get("/api/v1/status/" + flaky)).json().get("attempts").asInt());
    }

    @Test
    void anErrorEndsFailedAndDeadLettered() throws Exception {
        String id = http.submit("{\"operation\": \"error\", \"message\": \"boom\"}").json().get("correlation_id")
                .asText();

        TestHttp.Reply failed = http.awaitResult(id, 10);

        assertEquals(200, failed.status());
        assertEquals("FAILED", failed.json().get("status").asText());
        assertTrue(failed.json().get("error").asText().contains("boom"), failed.body());
        DeadLetter letter = null;
        for (int i = 0; i < 100 && letter == null; i++) {
            letter = deadLetters(server).newest(1000).stream()
                    .filter(d -> d.message().correlationId().equals(id)).findFirst().orElse(null);
            Thread.sleep(50);
        }
        assertNotNull(letter, "the failed message is in the dead-letter queue");
        assertTrue(letter.reason().contains("boom"), letter.reason());
    }

    @Test
    void aSlowMessagePastItsTimeoutEndsTimeout() throws Exception {
        TestHttp.Reply submitted = http.send(http.post("/api/v1/submit",
                "{\"payload\": {\"operation\": \"sleep\", \"ms\": 5000}, \"metadata\": {\"timeout\": 0.3}}"));
        String id = submitted.json().get("correlation_id").asText();

        TestHttp.Reply result = http.awaitResult(id, 10);

        assertEquals("TIMEOUT", result.json().get("status").asText(), result.body());
        assertTrue(result.json().get("error").asText().contains("timeout"));
    }

    @Test
    void badInputGetsProblemDetails() throws Exception {
        assertProblem(http.send(http.post("/api/v1/submit", "{not json")), 400, null);
        assertProblem(http.send(http.post("/api/v1/submit", "[1,2]")), 400, null);
        assertProblem(http.send(http.post("/api/v1/submit", "{\"metadata\": {}}")), 422, "payload");
        assertProblem(http.send(http.post("/api/v1/submit",
                "{\"payload\": 1, \"metadata\": {\"priority\": \"high\"}}")), 422, "metadata.priority");
        assertProblem(http.send(http.post("/api/v1/submit",
                "{\"payload\": 1, \"metadata\": {\"priority\": 10}}")), 422, "metadata.priority");
        assertProblem(http.send(http.post("/api/v1/submit",
                "{\"payload\": 1, \"metadata\": {\"timeout\": -1}}")), 422, "metadata.timeout");
        assertProblem(http.send(http.post("/api/v1/submit",
                "{\"payload\": 1, \"metadata\": {\"endpoint\": \"nowhere\"}}")), 422, "metadata.endpoint");
        assertProblem(http.send(http.post("/api/v1/submit", "{\"payload\": 1, \"extra\": true}")), 422, "extra");
        assertProblem(http.send(http.post("/api/v1/submit", "{\"payload\": 1}")
                .setHeader("Content-Type", "text/plain")), 415, null);
        assertProblem(http.send(http.post("/api/v1/submit", "{\"payload\": 1}")
                .header("X-Correlation-ID", "bad id with spaces")), 400, "X-Correlation-ID");
        assertProblem(http.send(http.get("/api/v1/status/does-not-exist")), 404, null);
        assertProblem(http.send(http.get("/api/v1/response/does-not-exist")), 404, null);
        assertProblem(http.send(http.get("/api/v1/response/x?wait=abc")), 422, "wait");
        assertProblem(http.send(http.get("/no/such/route")), 404, null);
        assertProblem(http.send(http.get("/api/v1/submit")), 405, null);
    }

    @Test
    void anOversizeBodyIs413() throws Exception {
        Path smallHome = home.resolve("small");
        try (Server small = start(smallHome, Command.LISTENER, "server.max_body_bytes=1024")) {
            TestHttp client = new TestHttp(small.address().getPort());
            String big = "{\"payload\": \"" + "x".repeat(5000) + "\"}";
            assertProblem(client.send(client.post("/api/v1/submit", big)), 413, null);
            byte[] bigBytes = big.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertProblem(client.send(client.post("/api/v1/submit", "").POST(
                    java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                            () -> new java.io.ByteArrayInputStream(bigBytes)))), 413, null);
            assertEquals(202, client.submit("\"small\"").status());
        }
    }

    @Test
    void idempotencyKeyReplaysTheFirstSubmission() throws Exception {
        String body = "{\"payload\": {\"operation\": \"echo\", \"data\": \"once\"}}";
        TestHttp.Reply first = http.send(http.post("/api/v1/submit", body).header("Idempotency-Key", "k-1"));
        TestHttp.Reply again = http.send(http.post("/api/v1/submit", body).header("Idempotency-Key", "k-1"));
        TestHttp.Reply other = http.send(http.post("/api/v1/submit", "{\"payload\": 2}")
                .header("Idempotency-Key", "k-1"));

        assertEquals(202, first.status());
        assertTrue(again.status() == 200 || again.status() == 202, again.body());
        assertEquals(first.json().get("correlation_id"), again.json().get("correlation_id"));
        assertEquals("true", again.header("Idempotent-Replayed"));
        assertProblem(other, 422, "Idempotency-Key");
    }

    @Test
    void aClientCorrelationIdIsUsedOnce() throws Exception {
        TestHttp.Reply first = http.send(http.post("/api/v1/submit", "{\"payload\": {\"operation\": \"echo\","
                + " \"data\": 1}}").header("X-Correlation-ID", "order-42"));
        TestHttp.Reply second = http.send(http.post("/api/v1/submit", "{\"payload\": 1}")
                .header("X-Correlation-ID", "order-42"));

        assertEquals("order-42", first.json().get("correlation_id").asText());
        assertProblem(second, 409, "X-Correlation-ID");
    }

    @Test
    void concurrentSubmissionsWithOneCorrelationIdAcceptOnlyOne() throws Exception {
        List<java.util.concurrent.Future<TestHttp.Reply>> replies = new ArrayList<>();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 8; i++) {
                replies.add(threads.submit(() -> http.send(http.post("/api/v1/submit", "{\"payload\": 1}")
                        .header("X-Correlation-ID", "race-1"))));
            }
        }
        int accepted = 0;
        for (var reply : replies) {
            int status = reply.get().status();
            assertTrue(status == 202 || status == 409, reply.get().body());
            accepted += status == 202 ? 1 : 0;
        }
        assertEquals(1, accepted);
    }

    @Test
    void anIdempotentReplayWithItsOwnCorrelationIdIsAReplay() throws Exception {
        String body = "{\"payload\": {\"operation\": \"echo\", \"data\": 7}}";
        TestHttp.Reply first = http.send(http.post("/api/v1/submit", body).header("Idempotency-Key", "k-2")
                .header("X-Correlation-ID", "order-7"));
        TestHttp.Reply again = http.send(http.post("/api/v1/submit", body).header("Idempotency-Key", "k-2")
                .header("X-Correlation-ID", "order-7"));

        assertEquals(202, first.status(), first.body());
        assertTrue(again.status() == 200 || again.status() == 202, again.body());
        assertEquals("order-7", again.json().get("correlation_id").asText());
        assertEquals("true", again.header("Idempotent-Replayed"));
    }

    @Test
    void healthReallyChecksAndMetricsMove() throws Exception {
        TestHttp.Reply health = http.send(http.get("/health"));
        assertEquals(200, health.status(), health.body());
        assertEquals("healthy", health.json().get("status").asText());
        assertEquals("healthy", health.json().get("components").get("queue").get("status").asText());
        assertEquals("healthy", health.json().get("components").get("results").get("status").asText());
        assertEquals(200, http.send(http.get("/health/live")).status());
        assertEquals(200, http.send(http.get("/health/ready")).status());

        String id = http.submit("{\"operation\": \"echo\", \"data\": \"m\"}").json().get("correlation_id").asText();
        http.awaitResult(id, 10);
        Thread.sleep(300);
        String metrics = http.send(http.get("/metrics")).body();
        assertTrue(metrics.contains("openhqm_api_requests_total{method=\"POST\",route=\"/api/v1/submit\",status=\"202\"}"),
                metrics);
        assertTrue(metrics.contains("openhqm_api_request_duration_seconds"), "duration");
        assertTrue(metrics.contains("openhqm_queue_publish_total{queue=\"openhqm-requests\",status=\"success\"}"),
                "publish");
        assertTrue(metrics.contains("openhqm_worker_processing_duration_seconds_count{status=\"completed\"}"),
                "processing");
        assertTrue(metrics.contains("openhqm_queue_depth{queue=\"openhqm-requests\"}"), "depth");
        assertTrue(metrics.contains("openhqm_worker_active"), "active");
        assertTrue(metrics.contains("jvm_memory_used_bytes"), "jvm");
        assertTrue(!metrics.contains("route=\"/api/v1/response/" + id), "raw paths never become labels");
    }

    @Test
    void aFullQueueAnswers429() throws Exception {
        try (Server listener = start(home.resolve("full"), Command.LISTENER, "queue.max_depth=2")) {
            TestHttp client = new TestHttp(listener.address().getPort());
            TestHttp.Reply reply = null;
            for (int i = 0; i < 50; i++) {
                reply = client.submit("{\"operation\": \"echo\", \"data\": " + i + "}");
                if (reply.status() == 429) {
                    break;
                }
                Thread.sleep(50);
            }
            assertProblem(reply, 429, null);
            assertEquals("1", reply.header("Retry-After"));
        }
    }

    @Test
    void withApiKeysResultsAreVisibleOnlyToTheirOwner() throws Exception {
        try (Server secured = start(home.resolve("secured"), Command.ALL,
                "server.auth.api_keys=[\"key-a\",\"key-b\"]")) {
            TestHttp client = new TestHttp(secured.address().getPort());
            assertProblem(client.submit("{\"operation\": \"echo\", \"data\": 1}"), 401, null);
            TestHttp.Reply submitted = client.send(client.post("/api/v1/submit",
                    "{\"payload\": {\"operation\": \"echo\", \"data\": 1}}").header("X-API-Key", "key-a"));
            assertEquals(202, submitted.status());
            String id = submitted.json().get("correlation_id").asText();
            assertEquals(200, client.send(client.get("/api/v1/response/" + id + "?wait=5")
                    .header("Authorization", "Bearer key-a")).status());
            assertEquals(404, client.send(client.get("/api/v1/status/" + id).header("X-API-Key", "key-b")).status());
            assertProblem(client.send(client.get("/api/v1/status/" + id).header("X-API-Key", "wrong")), 401, null);
        }
    }

    static void assertProblem(TestHttp.Reply reply, int status, String field) {
        assertEquals(status, reply.status(), reply.body());
        assertEquals("application/problem+json", reply.header("Content-Type"), reply.body());
        assertEquals(status, reply.json().get("status").asInt());
        assertTrue(reply.json().get("type").asText().startsWith("https://openhqm.io/problems/"));
        assertTrue(reply.json().hasNonNull("title") && reply.json().hasNonNull("detail"));
        assertTrue(!reply.body().contains("Exception") && !reply.body().contains("\tat "), reply.body());
        if (field != null) {
            assertEquals(field, reply.json().get("field").asText(), reply.body());
        }
    }
}
