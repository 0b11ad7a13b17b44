package io.openhqm.server;

import static io.openhqm.server.ServerIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.api.message.Message;
import io.openhqm.server.cli.CommandLine.Command;
import io.openhqm.testing.MemoryPlugin;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener against hostile or careless clients, over real sockets: what old clients send, what breaks
 * parsers, what holds memory, what grows metrics, what leaks internals, and what a shutdown does to waiting
 * requests.
 */
class ListenerHardeningIT {
    @TempDir
    static Path home;
    static Server server;
    static TestHttp http;
    static RawHttp raw;

    @BeforeAll
    static void startServer() {
        server = ServerIT.start(home, Command.ALL);
        http = new TestHttp(server.address().getPort());
        raw = new RawHttp(server.address().getPort());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    static final String OLD_CLIENT_METADATA = "{\"type\": \"user.register\", \"source\": \"web-app\","
            + " \"timestamp\": 1700000000, \"nested\": {\"a\": [1, 2.5, null], \"b\": \"ü\"}, \"priority\": 2}";

    @Test
    void anEarlierClientsMetadataIsAccepted() throws Exception {
        TestHttp.Reply reply = http.send(http.post("/api/v1/submit", "{\"payload\": {\"operation\": \"echo\","
                + " \"data\": 1}, \"metadata\": " + OLD_CLIENT_METADATA + "}"));

        assertEquals(202, reply.status(), reply.body());
    }

    @Test
    void unknownMetadataFieldsTravelAsAttributesAndComeBackWithTheStatus() throws Exception {
        try (Server memory = ServerIT.start(home.resolve("memory"), Command.ALL, "queue.type=memory")) {
            TestHttp client = new TestHttp(memory.address().getPort());
            TestHttp.Reply submitted = client.send(client.post("/api/v1/submit", "{\"payload\": {\"operation\":"
                    + " \"echo\", \"data\": 1}, \"metadata\": " + OLD_CLIENT_METADATA.replaceFirst("\\{",
                    "{\"partition_key\": \"customer-7\", ") + "}"));
            assertEquals(202, submitted.status(), submitted.body());
            String id = submitted.json().get("correlation_id").asText();

            Message published = MemoryPlugin.published(id);
            assertEquals("customer-7", published.metadata().partitionKey());
            assertEquals(Map.of("type", "\"user.register\"", "source", "\"web-app\"", "timestamp", "1700000000",
                    "nested", "{\"a\":[1,2.5,null],\"b\":\"ü\"}"), published.metadata().attributes());
            assertEquals(2, published.metadata().priority());

            JsonNode expected = TestHttp.JSON.readTree(OLD_CLIENT_METADATA);
            ((com.fasterxml.jackson.databind.node.ObjectNode) expected).remove("priority");
            TestHttp.Reply result = client.awaitResult(id, 10);
            assertEquals("COMPLETED", result.json().get("status").asText(), result.body());
            assertEquals(expected, result.json().get("attributes"));
            TestHttp.Reply status = client.send(client.get("/api/v1/status/" + id));
            assertEquals(expected, status.json().get("attributes"), status.body());
        }
    }

    @Test
    void attributesComeBackThroughTheEmbeddedQueueAndStore() throws Exception {
        TestHttp.Reply submitted = http.send(http.post("/api/v1/submit", "{\"payload\": {\"operation\":"
                + " \"echo\", \"data\": 1}, \"metadata\": " + OLD_CLIENT_METADATA + "}"));
        String id = submitted.json().get("correlation_id").asText();

        TestHttp.Reply result = http.awaitResult(id, 10);

        JsonNode expected = TestHttp.JSON.readTree(OLD_CLIENT_METADATA);
        ((com.fasterxml.jackson.databind.node.ObjectNode) expected).remove("priority");
        assertEquals("COMPLETED", result.json().get("status").asText(), result.body());
        assertEquals(expected, result.json().get("attributes"), result.body());
    }

    @Test
    void metadataBeyondItsBoundsIsRefusedNamingTheField() throws Exception {
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < 33; i++) {
            many.append(i == 0 ? "" : ",").append("\"f").append(i).append("\": ").append(i);
        }
        assertProblem(http.send(http.post("/api/v1/submit", "{\"payload\": 1, \"metadata\": " + many + "}}")),
                422, "metadata.f32");
        assertProblem(http.send(http.post("/api/v1/submit", "{\"payload\": 1, \"metadata\": {\"big\": \""
                + "x".repeat(17_000) + "\"}}")), 422, "metadata.big");
        assertProblem(http.send(http.post("/api/v1/submit", "{\"payload\": 1, \"metadata\": {\""
                + "n".repeat(129) + "\": 1}}")), 422, "metadata." + "n".repeat(129));
        assertProblem(http.send(http.post("/api/v1/submit", "{\"payload\": 1, \"metadata\": {\"source\": 1,"
                + " \"priority\": 99999999999999999999}}")), 422, "metadata.priority");
    }

    @Test
    void jsonBeyondTheParserLimitsIsABadRequest() throws Exception {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        String digits = "7".repeat(1500);
        for (String body : List.of(
                "{\"payload\": " + deep + "}",
                "{\"payload\": 1, \"metadata\": {\"nested\": " + deep + "}}",
                "{\"payload\": 1, \"headers\": {\"x\": " + deep + "}}",
                "{\"payload\": " + digits + "}",
                "{\"payload\": 1.5e" + digits + "}",
                "{\"payload\": {\"n\": [" + digits + "]}}",
                "{\"payload\": 1, \"metadata\": {\"priority\": " + digits + "}}",
                "{\"payload\": 1, \"metadata\": {\"timestamp\": " + digits + "}}",
                "{\"payload\": 1, \"metadata\": {\"timeout\": 0." + digits + "}}")) {
            TestHttp.Reply reply = http.send(http.post("/api/v1/submit", body));
            assertTrue(reply.status() == 400 || reply.status() == 422, reply.status() + " " + reply.body());
            assertProblem(reply, reply.status(), null);
            assertFalse(reply.body().contains("Constraints") || reply.body().contains("jackson"), reply.body());
        }
    }

    @Test
    void aDeclaredLengthIsNotAllocatedBeforeItsBytesArrive() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Socket> sockets = new ArrayList<>();
        long before = allocated(threads);
        try {
            for (int i = 0; i < 100; i++) {
                Socket socket = raw.open(Duration.ofSeconds(5));
                socket.getOutputStream().write(("POST /api/v1/submit HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        + "application/json\r\nContent-Length: 10485760\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                sockets.add(socket);
            }
            assertEquals(200, http.send(http.get("/health/live")).status());
            Thread.sleep(300);
            long allocated = allocated(threads) - before;
            assertTrue(allocated < 200L * 1024 * 1024, "100 bodies declaring 10 MiB allocated " + allocated
                    + " bytes before their bytes arrived");
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    /** Bytes allocated so far by the platform threads alive now (Undertow's IO threads among them). */
    private static long allocated(com.sun.management.ThreadMXBean threads) {
        long sum = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(bytes, 0);
        }
        return sum;
    }

    @Test
    void bodiesBeyondTheInFlightBoundGet503AndTheBoundIsGivenBack() throws Exception {
        try (Server small = ServerIT.start(home.resolve("bounded"), Command.LISTENER,
                "server.max_body_bytes=1MiB", "server.max_body_bytes_in_flight=1MiB")) {
            RawHttp rawSmall = new RawHttp(small.address().getPort());
            TestHttp client = new TestHttp(small.address().getPort());
            int held = 1024 * 1024 - 10 * 1024;
            try (Socket holder = rawSmall.open(Duration.ofSeconds(5))) {
                holder.getOutputStream().write(("POST /api/v1/submit HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        + "application/json\r\nContent-Length: 1048576\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                holder.getOutputStream().write(new byte[held]);
                holder.getOutputStream().flush();
                Thread.sleep(500);

                String body = "{\"payload\": \"" + "x".repeat(12 * 1024 - 15) + "\"}";
                RawHttp.Answer refused = rawSmall.exchange("POST /api/v1/submit HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body,
                        Duration.ofSeconds(5));
                assertEquals(503, refused.status(), refused.text());
                assertTrue(refused.hasHeader("Retry-After", "1"), refused.text());
                assertTrue(refused.hasHeader("Content-Type", "application/problem+json"), refused.text());
            }
            String body = "{\"payload\": \"" + "x".repeat(100 * 1024) + "\"}";
            TestHttp.Reply accepted = null;
            for (int i = 0; i < 20 && (accepted == null || accepted.status() != 202); i++) {
                Thread.sleep(50);
                accepted = client.send(client.post("/api/v1/submit", body));
            }
            assertEquals(202, accepted.status(), "the closed connection's bytes were given back: " + accepted.body());
        }
    }

    @Test
    void silentAndStalledConnectionsAreClosed() throws Exception {
        try (Server strict = ServerIT.start(home.resolve("strict"), Command.LISTENER, "server.max_wait=0",
                "server.idle_timeout=1s", "server.request_parse_timeout=500ms", "server.no_request_timeout=1s")) {
            RawHttp rawStrict = new RawHttp(strict.address().getPort());
            List<String> requests = List.of(
                    "",
                    "POST /api/v1/submit HTTP/1.1\r\nHost: x\r\nContent-",
                    "POST /api/v1/submit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 100\r\n\r\n{\"payload\":");
            List<CompletableFuture<Long>> closedAfter = new ArrayList<>();
            for (String request : requests) {
                closedAfter.add(CompletableFuture.supplyAsync(() -> {
                    long started = System.nanoTime();
                    try {
                        RawHttp.Answer answer = rawStrict.exchange(request, Duration.ofSeconds(6));
                        assertTrue(answer.status() != 0, "the server closed the connection: " + request);
                        assertTrue(answer.status() < 500, answer.text());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                }));
            }
            for (var future : closedAfter) {
                long millis = future.get(10, TimeUnit.SECONDS);
                assertTrue(millis < 4000, "closed after " + millis + " ms");
            }
            assertEquals(202, new TestHttp(strict.address().getPort()).submit("1").status());
        }
    }

    @Test
    void unknownMethodsAreRefusedAndCountedAsOther() throws Exception {
        long seriesBefore = requestSeries();
        Random random = new Random(42);
        for (int i = 0; i < 100; i++) {
            String method = "X" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36).toUpperCase();
            RawHttp.Answer onRoute = raw.exchange(method + " /api/v1/submit HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: close\r\n\r\n", Duration.ofSeconds(5));
            assertEquals(405, onRoute.status(), onRoute.text());
            assertTrue(onRoute.hasHeader("Allow", "POST"), onRoute.text());
            RawHttp.Answer elsewhere = raw.exchange(method + " /nowhere/" + i + " HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: close\r\n\r\n", Duration.ofSeconds(5));
            assertEquals(501, elsewhere.status(), elsewhere.text());
        }
        TestHttp.Reply getOnSubmit = http.send(http.get("/api/v1/submit"));
        assertProblem(getOnSubmit, 405, null);
        assertEquals("POST", getOnSubmit.header("Allow"));

        String metrics = http.send(http.get("/metrics")).body();
        assertTrue(metrics.contains("openhqm_api_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"405\"} 100"),
                metrics);
        assertTrue(requestSeries() <= seriesBefore + 4, "at most OTHER/405, OTHER/501, GET/405 and the scrape");
    }

    private static long requestSeries() throws Exception {
        return http.send(http.get("/metrics")).body().lines()
                .filter(line -> line.startsWith("openhqm_api_requests_total{")).count();
    }

    @Test
    void healthAndProblemsSayWhatAClientCanActOnOnly() throws Exception {
        String secret = "redis://10.9.8.7:6379 /var/lib/openhqm/queue.db org.sqlite.SQLiteException [SQLITE_BUSY]";
        try (Server memory = ServerIT.start(home.resolve("failing"), Command.LISTENER, "queue.type=memory")) {
            TestHttp client = new TestHttp(memory.address().getPort());
            MemoryPlugin.fail(new IllegalStateException(secret));
            try {
                TestHttp.Reply health = client.send(client.get("/health"));
                assertEquals(503, health.status(), health.body());
                assertEquals("unreachable", health.json().get("components").get("queue").get("detail").asText());
                TestHttp.Reply status = client.send(client.get("/api/v1/status/some-id"));
                assertProblem(status, 503, null);
                for (TestHttp.Reply reply : List.of(health, status)) {
                    for (String leak : List.of("10.9.8.7", "6379", "/var/lib", "SQLite", "IllegalState")) {
                        assertFalse(reply.body().contains(leak), leak + " in " + reply.body());
                    }
                }
            } finally {
                MemoryPlugin.fail(null);
            }
            assertEquals(200, client.send(client.get("/health")).status());
        }
    }

    @Test
    void theIngressKeyIsNeverForwardedButOtherHeadersAre() throws Exception {
        try (Server secured = ServerIT.start(home.resolve("forwarding"), Command.LISTENER, "queue.type=memory",
                "server.auth.api_keys=[\"key-a\"]", "proxy.forward_headers=[\"Authorization\",\"X-API-Key\","
                        + "\"X-Trace\"]")) {
            TestHttp client = new TestHttp(secured.address().getPort());
            TestHttp.Reply byApiKey = client.send(client.post("/api/v1/submit", "{\"payload\": 1}")
                    .header("X-API-Key", "key-a").header("Authorization", "Bearer backend-token")
                    .header("X-Trace", "t-1"));
            TestHttp.Reply byBearer = client.send(client.post("/api/v1/submit", "{\"payload\": 1}")
                    .header("Authorization", "Bearer key-a").header("X-Trace", "t-2"));

            assertEquals(202, byApiKey.status(), byApiKey.body());
            assertEquals(Map.of("authorization", "Bearer backend-token", "x-trace", "t-1"),
                    headersOf(byApiKey));
            assertEquals(202, byBearer.status(), byBearer.body());
            assertEquals(Map.of("x-trace", "t-2"), headersOf(byBearer));
        }
    }

    @Test
    void traceContextIsAlwaysCarriedAndAStarForwardsAllButHopByHop() throws Exception {
        try (Server plain = ServerIT.start(home.resolve("trace"), Command.LISTENER, "queue.type=memory");
             Server all = ServerIT.start(home.resolve("star"), Command.LISTENER, "queue.type=memory",
                     "proxy.forward_headers=[\"*\"]")) {
            String parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
            TestHttp plainClient = new TestHttp(plain.address().getPort());
            TestHttp.Reply traced = plainClient.send(plainClient.post("/api/v1/submit", "{\"payload\": 1}")
                    .header("traceparent", parent).header("tracestate", "v=1").header("X-Other", "no"));
            assertEquals(Map.of("traceparent", parent, "tracestate", "v=1"), headersOf(traced));

            TestHttp allClient = new TestHttp(all.address().getPort());
            TestHttp.Reply star = allClient.send(allClient.post("/api/v1/submit", "{\"payload\": 1}")
                    .header("X-Other", "yes").header("Keep-Alive", "timeout=5"));
            Map<String, String> headers = headersOf(star);
            assertEquals("yes", headers.get("x-other"));
            assertFalse(headers.containsKey("keep-alive"), headers.toString());
            assertFalse(headers.containsKey("content-length"), headers.toString());
            assertFalse(headers.containsKey("host"), headers.toString());
        }
    }

    private static Map<String, String> headersOf(TestHttp.Reply submitted) {
        Message message = MemoryPlugin.published(submitted.json().get("correlation_id").asText());
        assertNotNull(message);
        return message.headers();
    }

    @Test
    void closingAnswersWaitingRequestsWith202() throws Exception {
        Server closing = ServerIT.start(home.resolve("closing"), Command.ALL, "worker.shutdown_grace=1s");
        TestHttp client = new TestHttp(closing.address().getPort());
        String waitedId = client.submit("{\"operation\": \"sleep\", \"ms\": 20000}").json().get("correlation_id")
                .asText();
        CompletableFuture<TestHttp.Reply> submitWaiting = CompletableFuture.supplyAsync(() -> send(client,
                client.post("/api/v1/submit", "{\"payload\": {\"operation\": \"sleep\", \"ms\": 20000}}")
                        .header("Prefer", "wait=30")));
        CompletableFuture<TestHttp.Reply> responseWaiting = CompletableFuture.supplyAsync(() -> send(client,
                client.get("/api/v1/response/" + waitedId + "?wait=30")));
        Thread.sleep(700);

        long started = System.nanoTime();
        closing.close();
        long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.printf("closing with two waiting requests took %d ms (worker.shutdown_grace 1 s)%n", closeMillis);

        TestHttp.Reply submitted = submitWaiting.get(5, TimeUnit.SECONDS);
        assertEquals(202, submitted.status(), submitted.body());
        assertTrue(submitted.header("Location").startsWith("/api/v1/response/"), submitted.header("Location"));
        assertTrue(submitted.json().has("correlation_id"));
        TestHttp.Reply response = responseWaiting.get(5, TimeUnit.SECONDS);
        assertEquals(202, response.status(), response.body());
        assertEquals("/api/v1/response/" + waitedId, response.header("Location"));
        assertTrue(closeMillis < 2000 + 1000 + 1500, "closed in " + closeMillis + " ms");
    }

    private static TestHttp.Reply send(TestHttp client, java.net.http.HttpRequest.Builder request) {
        try {
            return client.send(request);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
