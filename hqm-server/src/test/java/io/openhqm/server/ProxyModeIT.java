package io.openhqm.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.server.cli.CommandLine.Command;
import io.openhqm.testing.MemoryPlugin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transparent proxy ({@code server.mode = "proxy"}) over real sockets, on the in-memory queue and result store,
 * with the {@code request-echo} processor as the backend: it answers each request with what it received.
 */
class ProxyModeIT {
    private static final String KEY = "k1";
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path home;
    static Server sidecar;

    @BeforeAll
    static void startSidecar() {
        sidecar = ServerIT.start(home.resolve("sidecar"), Command.ALL, "queue.type=memory", "server.mode=proxy",
                "server.proxy_wait=1s", "worker.processor=request-echo", "worker.timeout_seconds=2",
                "server.max_body_bytes=64KiB", "server.auth.api_keys=[\"" + KEY + "\"]");
    }

    @AfterAll
    static void stopSidecar() {
        sidecar.close();
    }

    @Test
    void methodsPathsQueriesAndBinaryBodiesComeBackExactly() throws Exception {
        byte[] binary = new byte[512];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        for (String method : List.of("GET", "POST", "PUT", "DELETE", "PATCH")) {
            HttpResponse<byte[]> response = send(sidecar, method, "/orders/42/a%20b?x=1&y=%2F&z", binary,
                    "Content-Type", "application/x-thing", "X-Test", "t-" + method);

            assertEquals(200, response.statusCode(), method);
            assertArrayEquals(binary, response.body(), method);
            assertEquals("application/x-thing", header(response, "Content-Type"));
            assertEquals(method, header(response, "x-echo-method"));
            assertEquals("/orders/42/a%20b", header(response, "x-echo-path"));
            assertEquals("x=1&y=%2F&z", header(response, "x-echo-query"));
            assertEquals("t-" + method, header(response, "x-echo-test"));
            assertNotNull(header(response, "X-Correlation-ID"));
            assertEquals(null, header(response, "Preference-Applied"));
        }
        HttpResponse<byte[]> noBody = send(sidecar, "GET", "/", null);
        assertEquals(200, noBody.statusCode());
        assertEquals(0, noBody.body().length);
        assertEquals("/", header(noBody, "x-echo-path"));
        assertEquals("null", header(noBody, "x-echo-query"));
        assertEquals("application/octet-stream", header(noBody, "Content-Type"));
    }

    @Test
    void theBackendsStatusHeadersAndFailuresPassThrough() throws Exception {
        assertEquals(201, send(sidecar, "POST", "/status/201", bytes("new")).statusCode());
        assertEquals(404, send(sidecar, "GET", "/status/404", null).statusCode());

        HttpResponse<byte[]> refused = send(sidecar, "GET", "/fail-with-reply", null);
        assertEquals(404, refused.statusCode());
        assertEquals("not here", new String(refused.body(), StandardCharsets.UTF_8));
        assertEquals("gone", header(refused, "x-reason"));
        assertEquals("text/plain", header(refused, "Content-Type"));

        HttpResponse<byte[]> failed = send(sidecar, "GET", "/fail", null);
        JsonNode problem = assertProblem(failed, 502);
        assertEquals("the backend refused the request", problem.get("detail").asText());

        HttpResponse<byte[]> head = send(sidecar, "HEAD", "/status/200", null);
        assertEquals(200, head.statusCode());
        assertEquals("HEAD", header(head, "x-echo-method"));
        assertEquals(0, head.body().length);
    }

    @Test
    void twoCookiesAreTwoHeadersAndHopByHopReplyHeadersAreNeverWritten() throws Exception {
        HttpResponse<byte[]> response = send(sidecar, "POST", "/cookies", bytes("12345"));

        assertEquals(200, response.statusCode());
        assertEquals(List.of("a=1; Path=/", "b=2; Path=/"), response.headers().allValues("set-cookie"));
        assertEquals("12345", new String(response.body(), StandardCharsets.UTF_8));
        assertEquals("5", header(response, "Content-Length"));
        assertFalse(response.headers().firstValue("keep-alive").isPresent());
        assertFalse(response.headers().firstValue("x-hop").isPresent());
        assertFalse(response.headers().firstValue("transfer-encoding").isPresent());
    }

    @Test
    void hopByHopHeadersPreferAndTheApiKeyNeverReachTheMessage() throws Exception {
        String request = "POST /hop?x=1 HTTP/1.1\r\nHost: sidecar\r\nConnection: keep-alive, X-Drop-Me\r\n"
                + "X-Drop-Me: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic abc\r\n"
                + "Upgrade: h2c\r\nX-API-Key: " + KEY + "\r\nPrefer: wait=5\r\nX-Keep: yes\r\nCookie: a=1\r\n"
                + "Cookie: b=2\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n"
                + "X-Correlation-ID: hop-1\r\nX-Partition-Key: customer-7\r\nContent-Length: 3\r\n\r\nabc";

        RawHttp.Answer answer = new RawHttp(sidecar.address().getPort()).exchange(request, Duration.ofSeconds(10));

        assertEquals(200, answer.status(), answer.text());
        assertTrue(answer.hasHeader("X-Correlation-ID", "hop-1"), answer.text());
        assertTrue(answer.hasHeader("Preference-Applied", "wait=5"), answer.text());
        Message message = MemoryPlugin.published("hop-1");
        assertEquals(Set.of("x-keep", "cookie", "traceparent", "x-correlation-id", "x-partition-key"),
                message.headers().keySet());
        assertEquals("a=1; b=2", message.headers().get("cookie"));
        assertEquals("POST", message.metadata().method());
        assertEquals("/hop", message.metadata().path());
        assertEquals("x=1", message.metadata().query());
        assertEquals("customer-7", message.metadata().partitionKey());
        assertEquals("application/octet-stream", message.contentType());
        assertArrayEquals(bytes("abc"), message.body());

        RawHttp.Answer absolute = new RawHttp(sidecar.address().getPort()).exchange("GET http://legacy.example"
                + "/orders/7?full=1 HTTP/1.1\r\nHost: legacy.example\r\nX-API-Key: " + KEY + "\r\n\r\n",
                Duration.ofSeconds(10));
        assertEquals(200, absolute.status(), absolute.text());
        assertTrue(absolute.hasHeader("x-echo-path", "/orders/7"), absolute.text());
        assertTrue(absolute.hasHeader("x-echo-query", "full=1"), absolute.text());
    }

    @Test
    void onlyTheListedHeadersAndTraceContextAreCarriedWhenForwardHeadersIsSet() throws Exception {
        try (Server listener = ServerIT.start(home.resolve("listed"), Command.LISTENER, "queue.type=memory",
                "server.mode=proxy", "proxy.forward_headers=[\"x-keep\"]", "server.auth.api_keys=[\"" + KEY + "\"]")) {
            HttpResponse<byte[]> response = CLIENT.send(request(listener, "GET", "/listed", null)
                    .header("Authorization", "Bearer " + KEY).header("X-KEEP", "yes").header("X-Other", "no")
                    .header("tracestate", "a=b").header("X-Correlation-ID", "listed-1")
                    .header("Prefer", "respond-async").build(), HttpResponse.BodyHandlers.ofByteArray());

            assertEquals(202, response.statusCode());
            assertEquals(Set.of("x-keep", "tracestate"), MemoryPlugin.published("listed-1").headers().keySet());
        }
    }

    @Test
    void respondAsyncAnswers202AndTheResultIsFetchable() throws Exception {
        HttpResponse<byte[]> accepted = send(sidecar, "PUT", "/status/201?async=1", bytes("{\"a\":1}"),
                "Content-Type", "application/json", "Prefer", "respond-async");

        assertEquals(202, accepted.statusCode());
        assertEquals("respond-async", header(accepted, "Preference-Applied"));
        assertEquals("1", header(accepted, "Retry-After"));
        JsonNode body = TestHttp.JSON.readTree(accepted.body());
        String id = body.get("correlation_id").asText();
        assertEquals("PENDING", body.get("status").asText());
        assertTrue(body.hasNonNull("submitted_at"));
        assertEquals("/api/v1/response/" + id, header(accepted, "Location"));
        assertEquals(id, header(accepted, "X-Correlation-ID"));

        HttpResponse<byte[]> result = send(sidecar, "GET", "/api/v1/response/" + id + "?wait=5", null);
        assertEquals(200, result.statusCode());
        JsonNode view = TestHttp.JSON.readTree(result.body());
        assertEquals("COMPLETED", view.get("status").asText());
        assertEquals(201, view.get("status_code").asInt());
        assertEquals("PUT", view.get("headers").get("x-echo-method").asText());
        assertEquals("async=1", view.get("headers").get("x-echo-query").asText());
        assertEquals(1, view.get("result").get("a").asInt());
    }

    @Test
    void waitPreferencesAndProxyWaitBoundTheWait() throws Exception {
        HttpResponse<byte[]> noWait = send(sidecar, "GET", "/slow/300", null, "Prefer", "wait=0");
        assertEquals(202, noWait.statusCode());
        assertEquals("wait=0", header(noWait, "Preference-Applied"));

        long started = System.nanoTime();
        HttpResponse<byte[]> beyondProxyWait = send(sidecar, "GET", "/slow/1800", null);
        long waitedMs = (System.nanoTime() - started) / 1_000_000;
        assertEquals(202, beyondProxyWait.statusCode());
        assertTrue(waitedMs >= 900 && waitedMs < 1800, waitedMs + " ms");
        assertEquals(null, header(beyondProxyWait, "Preference-Applied"));

        HttpResponse<byte[]> longerWait = send(sidecar, "GET", "/slow/1500", null, "Prefer", "respond-async, wait=5");
        assertEquals(200, longerWait.statusCode());
        assertEquals("wait=5", header(longerWait, "Preference-Applied"));
        assertEquals("GET", header(longerWait, "x-echo-method"));
    }

    @Test
    void aRequestBeyondTheWorkerTimeoutIs504() throws Exception {
        HttpResponse<byte[]> response = send(sidecar, "GET", "/slow/10000", null, "Prefer", "wait=8");
        assertProblem(response, 504);
        assertEquals("wait=8", header(response, "Preference-Applied"));
    }

    @Test
    void idempotencyAuthAndBodyLimitsApplyAsToTheSubmitApi() throws Exception {
        HttpResponse<byte[]> first = send(sidecar, "POST", "/status/201", bytes("once"), "Idempotency-Key", "i-1");
        HttpResponse<byte[]> again = send(sidecar, "POST", "/status/201", bytes("once"), "Idempotency-Key", "i-1");
        assertEquals(201, first.statusCode());
        assertEquals(201, again.statusCode());
        assertEquals(header(first, "X-Correlation-ID"), header(again, "X-Correlation-ID"));
        assertEquals("true", header(again, "Idempotent-Replayed"));
        assertProblem(send(sidecar, "POST", "/status/201", bytes("other"), "Idempotency-Key", "i-1"), 422);

        HttpResponse<byte[]> anonymous = CLIENT.send(HttpRequest.newBuilder(uri(sidecar, "/x")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertProblem(anonymous, 401);
        assertProblem(send(sidecar, "POST", "/big", new byte[65 * 1024]), 413);
        assertProblem(send(sidecar, "GET", "/x", null, "X-Correlation-ID", "bad id"), 400);
    }

    @Test
    void aFullQueueIs429WithRetryAfter() throws Exception {
        try (Server listener = ServerIT.start(home.resolve("full"), Command.LISTENER, "queue.type=memory",
                "server.mode=proxy", "queue.max_depth=2")) {
            assertEquals(202, send(listener, "POST", "/a", bytes("1"), "Prefer", "respond-async").statusCode());
            assertEquals(202, send(listener, "POST", "/a", bytes("2"), "Prefer", "respond-async").statusCode());

            HttpResponse<byte[]> full = send(listener, "POST", "/a", bytes("3"));
            assertProblem(full, 429);
            assertEquals("1", header(full, "Retry-After"));
        }
    }

    @Test
    void closingAnswersAWaitingProxiedRequestWith202() throws Exception {
        Server closing = ServerIT.start(home.resolve("closing"), Command.LISTENER, "queue.type=memory",
                "server.mode=proxy");
        CompletableFuture<HttpResponse<byte[]>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return send(closing, "GET", "/never-answered", null);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(500);
        closing.close();

        HttpResponse<byte[]> response = waiting.get(5, TimeUnit.SECONDS);
        assertEquals(202, response.statusCode());
        assertTrue(header(response, "Location").startsWith("/api/v1/response/"), header(response, "Location"));
    }

    @Test
    void reservedPathsStayWithTheApi() throws Exception {
        HttpResponse<byte[]> health = send(sidecar, "GET", "/health", null);
        assertEquals(200, health.statusCode());
        assertEquals("healthy", TestHttp.JSON.readTree(health.body()).get("status").asText());
        assertEquals(200, send(sidecar, "GET", "/metrics", null).statusCode());

        HttpResponse<byte[]> submitted = send(sidecar, "POST", "/api/v1/submit", bytes("{\"payload\": {\"a\": 1}}"),
                "Content-Type", "application/json", "Prefer", "wait=5");
        assertEquals(200, submitted.statusCode());
        assertEquals("COMPLETED", TestHttp.JSON.readTree(submitted.body()).get("status").asText());

        assertProblem(send(sidecar, "GET", "/api/v1/nothing-here", null), 404);
        assertProblem(send(sidecar, "GET", "/health/nothing-here", null), 404);
        assertProblem(send(sidecar, "GET", "/console", null), 404);
        assertEquals("/healthz", header(send(sidecar, "GET", "/healthz", null), "x-echo-path"));
    }

    @Test
    void apiModeStillAnswers404ForOtherPaths() throws Exception {
        try (Server api = ServerIT.start(home.resolve("api"), Command.LISTENER, "queue.type=memory")) {
            assertProblem(send(api, "GET", "/orders/1", null), 404);
        }
    }

    @Test
    void aBadModeIsAStartupProblemNamingTheKey() {
        HqmException e = assertThrows(HqmException.class, () -> ServerIT.start(home.resolve("bad"), Command.ALL,
                "server.mode=sidecar"));
        assertTrue(e.getMessage().contains("server.mode: must be one of api, proxy, got \"sidecar\""),
                e.getMessage());
    }

    private static HttpResponse<byte[]> send(Server server, String method, String path, byte[] body,
                                             String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = request(server, method, path, body).header("X-API-Key", KEY);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpRequest.Builder request(Server server, String method, String path, byte[] body) {
        return HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(20)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    }

    private static URI uri(Server server, String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode assertProblem(HttpResponse<byte[]> response, int status) throws IOException {
        String text = new String(response.body(), StandardCharsets.UTF_8);
        assertEquals(status, response.statusCode(), text);
        assertEquals("application/problem+json", header(response, "Content-Type"), text);
        JsonNode problem = TestHttp.JSON.readTree(text);
        assertEquals(status, problem.get("status").asInt());
        assertFalse(text.contains("Exception"), text);
        return problem;
    }
}
