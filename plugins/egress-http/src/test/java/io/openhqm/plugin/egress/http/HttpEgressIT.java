package io.openhqm.plugin.egress.http;

import static io.openhqm.plugin.egress.http.EgressFixture.attempt;
import static io.openhqm.plugin.egress.http.EgressFixture.context;
import static io.openhqm.plugin.egress.http.EgressFixture.create;
import static io.openhqm.plugin.egress.http.EgressFixture.endpoint;
import static io.openhqm.plugin.egress.http.EgressFixture.json;
import static io.openhqm.plugin.egress.http.EgressFixture.message;
import static io.openhqm.plugin.egress.http.EgressFixture.proxy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.openhqm.api.message.Message;
import io.openhqm.api.processing.Outcome;
import io.openhqm.plugin.egress.http.TestBackend.Answer;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The egress against a real HTTP backend on 127.0.0.1. */
class HttpEgressIT {
    private TestBackend backend;
    private HttpEgress egress;
    private TestPluginContext context;

    @BeforeEach
    void start() throws Exception {
        backend = new TestBackend();
        context = context();
    }

    @AfterEach
    void stop() {
        if (egress != null) {
            egress.close();
        }
        backend.close();
    }

    private HttpEgress egress(Object... endpointKeys) {
        return egressWith(Map.of("billing", endpoint(backend.url() + "/hook", endpointKeys)));
    }

    private HttpEgress egressWith(Map<String, Map<String, Object>> endpoints, Object... proxyKeys) {
        egress = create(proxy(new LinkedHashMap<>(endpoints), proxyKeys), context);
        return egress;
    }

    private static Message to(String endpoint, Map<String, String> headers) {
        return message(endpoint, null, null, null, "{}".getBytes(), "application/json", headers);
    }

    @Test
    void eachAuthTypeReachesTheBackendAndAClientHeaderNeverOverridesIt() throws Exception {
        Map<String, Map<String, Object>> endpoints = new LinkedHashMap<>();
        endpoints.put("bearer", endpoint(backend.url(), "auth_type", "BEARER", "auth_token", "tok-1"));
        endpoints.put("apikey", endpoint(backend.url(), "auth_type", "api_key", "auth_token", "key-2"));
        endpoints.put("apikey_named", endpoint(backend.url(), "auth_type", "api_key", "auth_token", "key-3",
                "auth_header_name", "X-Partner-Key"));
        endpoints.put("basic", endpoint(backend.url(), "auth_type", "basic", "auth_username", "app",
                "auth_password", "pa:ss"));
        endpoints.put("custom", endpoint(backend.url(), "auth_type", "custom", "auth_header_name", "X-Signature",
                "auth_token", "sig-4"));
        endpoints.put("url_credentials", endpoint("http://app:s3cret@127.0.0.1:" + backend.url().split(":")[2]));
        egressWith(endpoints);
        Map<String, String> spoof = Map.of("authorization", "Bearer evil", "x-api-key", "evil",
                "x-partner-key", "evil", "x-signature", "evil");

        assertInstanceOf(Outcome.Completed.class, egress.send(to("bearer", spoof), attempt()));
        assertEquals("Bearer tok-1", backend.last().header("authorization"));

        egress.send(to("apikey", spoof), attempt());
        assertEquals("key-2", backend.last().header("x-api-key"));

        egress.send(to("apikey_named", spoof), attempt());
        assertEquals("key-3", backend.last().header("x-partner-key"));

        egress.send(to("basic", spoof), attempt());
        assertEquals("Basic " + Base64.getEncoder().encodeToString("app:pa:ss".getBytes()),
                backend.last().header("authorization"));

        egress.send(to("custom", spoof), attempt());
        assertEquals("sig-4", backend.last().header("x-signature"));

        egress.send(to("url_credentials", Map.of()), attempt());
        assertEquals("Basic " + Base64.getEncoder().encodeToString("app:s3cret".getBytes()),
                backend.last().header("authorization"));
        assertFalse(egress.toString().contains("s3cret"));
    }

    @Test
    void headersFollowTheForwardingRules() throws Exception {
        egressWith(Map.of("billing", endpoint(backend.url(), "headers",
                        Map.of("X-Static", "s", "X-Keep", "static-wins"))),
                "strip_headers", List.of("X-Internal-Secret"));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-internal-secret", "no");
        headers.put("connection", "keep-alive, X-Named-By-Connection");
        headers.put("x-named-by-connection", "no");
        headers.put("keep-alive", "timeout=5");
        headers.put("te", "trailers");
        headers.put("trailer", "x");
        headers.put("transfer-encoding", "chunked");
        headers.put("upgrade", "h2c");
        headers.put("proxy-authorization", "Basic no");
        headers.put("proxy-authenticate", "no");
        headers.put("host", "evil.example");
        headers.put("content-length", "999");
        headers.put("expect", "100-continue");
        headers.put("x-correlation-id", "spoofed");
        headers.put("content-type", "text/evil");
        headers.put("x-keep", "client");
        headers.put("x-forwarded-for", "10.0.0.1");
        headers.put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        headers.put("tracestate", "congo=t61rcWkgMzE");
        Message message = message(null, null, null, null, "{\"a\":1}".getBytes(), "application/json", headers);

        assertInstanceOf(Outcome.Completed.class, egress.send(message, attempt()));

        TestBackend.Received r = backend.last();
        for (String absent : List.of("x-internal-secret", "x-named-by-connection", "keep-alive", "te", "trailer",
                "upgrade", "proxy-authorization", "proxy-authenticate", "expect")) {
            assertNull(r.header(absent), absent + " was forwarded: " + r.headers());
        }
        assertNull(r.header("transfer-encoding"));
        assertEquals("127.0.0.1:" + backend.url().split(":")[2], r.header("host"));
        assertEquals("7", r.header("content-length"));
        assertEquals(message.correlationId(), r.header("x-correlation-id"));
        assertEquals("application/json", r.header("content-type"));
        assertEquals("s", r.header("x-static"));
        assertEquals("static-wins", r.header("x-keep"));
        assertEquals("10.0.0.1", r.header("x-forwarded-for"));
        assertEquals("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", r.header("traceparent"));
        assertEquals("congo=t61rcWkgMzE", r.header("tracestate"));
    }

    @Test
    void aBinaryBodyArrivesByteForByteWithItsContentType() throws Exception {
        egress("allowed_methods", List.of("POST", "PUT"));
        byte[] body = new byte[70_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        Message message = message(null, "PUT", null, null, body, "image/x-test", Map.of());

        assertInstanceOf(Outcome.Completed.class, egress.send(message, attempt()));

        assertEquals("PUT", backend.last().method());
        assertArrayEquals(body, backend.last().body());
        assertEquals("image/x-test", backend.last().header("content-type"));
    }

    @Test
    void methodPathAndQueryAreMappedAndNothingElseIsCalled() throws Exception {
        egressWith(Map.of(
                "api", endpoint(backend.url() + "/base/", "allowed_methods", List.of("GET", "POST", "PUT")),
                "fixed", endpoint(backend.url() + "/fixed?k=v")));

        Outcome get = egress.send(message("api", "get", "/orders/42", "a=1&b=%20x", new byte[0],
                "application/octet-stream", Map.of()), attempt());
        assertInstanceOf(Outcome.Completed.class, get);
        TestBackend.Received r = backend.last();
        assertEquals("GET", r.method());
        assertEquals("/base/orders/42", r.path());
        assertEquals("a=1&b=%20x", r.rawQuery());
        assertEquals(0, r.body().length);
        assertNull(r.header("content-type"));

        egress.send(message("api", null, null, null, "{}".getBytes(), "application/json", Map.of()), attempt());
        assertEquals("POST", backend.last().method());
        assertEquals("/base/", backend.last().path());

        egress.send(message("fixed", null, null, "x=1", "{}".getBytes(), "application/json", Map.of()), attempt());
        assertEquals("/fixed", backend.last().path());
        assertEquals("k=v&x=1", backend.last().rawQuery());
        int calls = backend.count();

        Outcome.Failed notAllowed = assertInstanceOf(Outcome.Failed.class, egress.send(message("api", "DELETE",
                "/orders/42", null, new byte[0], "application/json", Map.of()), attempt()));
        assertEquals("endpoint api: method DELETE is not allowed (allowed: GET, POST, PUT)", notAllowed.error());
        Outcome.Failed unknown = assertInstanceOf(Outcome.Failed.class, egress.send(message("nowhere", null, null,
                null, new byte[0], "application/json", Map.of()), attempt()));
        assertEquals("endpoint \"nowhere\" is not configured (configured endpoints: api, fixed)", unknown.error());
        for (String path : List.of("no-slash", "/a/../admin", "/..", "/%2e%2e/x", "/a b", "/x?y")) {
            Outcome.Failed bad = assertInstanceOf(Outcome.Failed.class, egress.send(message("api", "GET", path,
                    null, new byte[0], "application/json", Map.of()), attempt()), path);
            assertTrue(bad.error().startsWith("endpoint api: the path"), bad.error());
        }
        assertEquals(calls, backend.count(), "a refused message reached the backend");
    }

    @Test
    void aHostCanNeverBeReachedThroughThePath() {
        java.net.URI base = java.net.URI.create("http://127.0.0.1:8080");
        assertEquals("http://127.0.0.1:8080//evil.example/x",
                HttpEgress.target(base, "//evil.example/x", null).toString());
        assertEquals("127.0.0.1:8080", HttpEgress.target(base, "//evil.example/x", null).getRawAuthority());
        assertEquals("127.0.0.1:8080", HttpEgress.target(base, "/@evil.example", null).getRawAuthority());
    }

    @Test
    void a503IsRetriedWithTheHttpContextAndRetryAfterIsHonoured() throws Exception {
        egress();
        backend.respond = r -> Answer.of(503, "down for\nmaintenance " + "x".repeat(400)).header("Retry-After", "2");

        Outcome.Retry retry = assertInstanceOf(Outcome.Retry.class, egress.send(json("{}"), attempt()));

        assertTrue(retry.error().startsWith("endpoint billing: HTTP 503 Service Unavailable: down for maintenance xx"),
                retry.error());
        assertTrue(retry.error().length() < 256 + 80, retry.error());
        assertEquals(Duration.ofSeconds(2), retry.after());

        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30));
        backend.respond = r -> Answer.of(429, "slow down").header("Retry-After", date);
        Outcome.Retry limited = assertInstanceOf(Outcome.Retry.class, egress.send(json("{}"), attempt()));
        assertTrue(limited.after().toSeconds() >= 27 && limited.after().toSeconds() <= 30, limited.after().toString());
        assertEquals("endpoint billing: HTTP 429 Too Many Requests: slow down", limited.error());

        backend.respond = r -> Answer.of(500, "").header("Retry-After", "soon");
        Outcome.Retry noAfter = assertInstanceOf(Outcome.Retry.class, egress.send(json("{}"), attempt()));
        assertNull(noAfter.after());
        assertEquals("endpoint billing: HTTP 500 Internal Server Error", noAfter.error());
    }

    @Test
    void a400FailsAfterExactlyOneCallWithTheBackendsReply() throws Exception {
        egress();
        backend.respond = r -> new Answer(400, Map.of("Content-Type", List.of("application/problem+json")),
                "{\"title\":\"bad\"}".getBytes(), 0, false);

        Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, egress.send(json("{}"), attempt()));

        assertEquals(1, backend.count());
        assertEquals("endpoint billing: HTTP 400 Bad Request: {\"title\":\"bad\"}", failed.error());
        assertEquals(400, failed.reply().statusCode());
        assertEquals("application/problem+json", failed.reply().contentType());
        assertEquals("{\"title\":\"bad\"}", new String(failed.reply().body(), StandardCharsets.UTF_8));
    }

    @Test
    void aCompletedReplyCarriesStatusHeadersAndBody() throws Exception {
        egress();
        backend.respond = r -> new Answer(201, Map.of("Content-Type", List.of("application/json"),
                "Set-Cookie", List.of("a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT", "b=2"),
                "X-Multi", List.of("one", "two")), "{\"id\":7}".getBytes(), 0, false);

        Outcome.Completed done = assertInstanceOf(Outcome.Completed.class, egress.send(json("{}"), attempt()));

        assertEquals(201, done.reply().statusCode());
        assertEquals("application/json", done.reply().contentType());
        assertEquals("{\"id\":7}", new String(done.reply().body(), StandardCharsets.UTF_8));
        assertEquals("a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\nb=2", done.reply().headers().get("set-cookie"));
        assertEquals("one, two", done.reply().headers().get("x-multi"));
        assertFalse(done.reply().headers().containsKey("content-length"));
        assertFalse(done.reply().headers().containsKey("transfer-encoding"));

        backend.respond = r -> new Answer(204, Map.of(), new byte[0], 0, false);
        Outcome.Completed empty = assertInstanceOf(Outcome.Completed.class, egress.send(json("{}"), attempt()));
        assertEquals("application/octet-stream", empty.reply().contentType());
        assertEquals(0, empty.reply().body().length);
    }

    @Test
    void aRedirectIsNotFollowed() throws Exception {
        egress();
        backend.respond = r -> r.path().equals("/hook")
                ? Answer.of(302, "moved").header("Location", backend.url() + "/elsewhere") : Answer.of(200, "no");

        Outcome.Completed done = assertInstanceOf(Outcome.Completed.class, egress.send(json("{}"), attempt()));

        assertEquals(302, done.reply().statusCode());
        assertEquals(backend.url() + "/elsewhere", done.reply().headers().get("location"));
        assertEquals(1, backend.count());
    }

    @Test
    void http2FallsBackToHttp11WithABackendThatSpeaksOnlyThat() throws Exception {
        egress("http_version", "2", "allowed_methods", List.of("GET", "POST"));

        assertInstanceOf(Outcome.Completed.class, egress.send(json("{\"a\":1}"), attempt()));
        assertInstanceOf(Outcome.Completed.class, egress.send(message(null, "GET", null, null, new byte[0],
                "application/json", Map.of()), attempt()));

        assertEquals("{\"a\":1}", new String(backend.requests().get(0).body(), StandardCharsets.UTF_8));
        assertEquals(2, backend.count());
    }

    @Test
    void aRefusedConnectionIsRetried() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        egressWith(Map.of("billing", endpoint("http://127.0.0.1:" + port, "connect_timeout", "2s")));

        Outcome.Retry retry = assertInstanceOf(Outcome.Retry.class, egress.send(json("{}"), attempt()));

        assertTrue(retry.error().startsWith("endpoint billing: connect failed"), retry.error());
    }

    @Test
    void aSlowBackendTimesOutAndIsRetried() throws Exception {
        egress("timeout", "300ms");
        backend.respond = r -> Answer.of(200, "late").delayed(3000);

        long start = System.nanoTime();
        Outcome.Retry retry = assertInstanceOf(Outcome.Retry.class, egress.send(json("{}"), attempt()));

        assertEquals("endpoint billing: no complete response within 300 ms", retry.error());
        assertTrue(System.nanoTime() - start < 2_000_000_000L);
    }

    @Test
    void theAttemptDeadlineBoundsTheCall() throws Exception {
        egress();
        backend.respond = r -> Answer.of(200, "late").delayed(3000);

        long start = System.nanoTime();
        assertInstanceOf(Outcome.Retry.class, egress.send(json("{}"), attempt(Duration.ofMillis(400))));

        assertTrue(System.nanoTime() - start < 2_000_000_000L);
    }

    @Test
    void aResponseOverMaxResponseBytesFailsWithoutBeingRead() throws Exception {
        egressWith(Map.of("billing", endpoint(backend.url())), "max_response_bytes", 1000);
        byte[] big = new byte[4 * 1024 * 1024];

        backend.respond = r -> new Answer(200, Map.of(), big, 0, false);
        Outcome.Failed declared = assertInstanceOf(Outcome.Failed.class, egress.send(json("{}"), attempt()));
        assertEquals("endpoint billing: HTTP 200 OK: the response body is larger than proxy.max_response_bytes"
                + " (1000 bytes)", declared.error());

        backend.respond = r -> new Answer(200, Map.of(), big, 0, false).streamed();
        Outcome.Failed streamed = assertInstanceOf(Outcome.Failed.class, egress.send(json("{}"), attempt()));
        assertTrue(streamed.error().contains("larger than proxy.max_response_bytes (1000 bytes)"), streamed.error());

        backend.respond = r -> new Answer(200, Map.of(), new byte[1000], 0, false).streamed();
        assertInstanceOf(Outcome.Completed.class, egress.send(json("{}"), attempt()));

        backend.respond = r -> new Answer(503, Map.of(), big, 0, false);
        Outcome.Retry retry = assertInstanceOf(Outcome.Retry.class, egress.send(json("{}"), attempt()));
        assertEquals("endpoint billing: HTTP 503 Service Unavailable: the response body is larger than"
                + " proxy.max_response_bytes (1000 bytes)", retry.error());
    }

    @Test
    void aHeadAnswerAnnouncingABigBodyIsNotTooLarge() throws Exception {
        egressWith(Map.of("billing", endpoint(backend.url(), "allowed_methods", List.of("HEAD"))),
                "max_response_bytes", 1000);
        backend.respond = r -> new Answer(200, Map.of(), new byte[5000], 0, false);

        Outcome.Completed done = assertInstanceOf(Outcome.Completed.class, egress.send(message(null, "HEAD", null,
                null, new byte[0], "application/json", Map.of()), attempt()));

        assertEquals(0, done.reply().body().length);
        assertEquals("HEAD", backend.last().method());
    }

    @Test
    void theBreakerOpensDefersWithoutCallingAndClosesWhenTheBackendIsBack() throws Exception {
        egress("circuit_breaker", Map.of("minimum_calls", 4, "sliding_window_size", 4, "failure_rate_threshold", 50,
                "wait_in_open", "1s", "half_open_calls", 2));
        MeterRegistry registry = context.meterRegistry();
        backend.respond = r -> Answer.of(503, "down");

        for (int i = 0; i < 3; i++) {
            assertInstanceOf(Outcome.Retry.class, egress.send(json("{}"), attempt()));
        }
        Outcome.Deferred tripped = assertInstanceOf(Outcome.Deferred.class, egress.send(json("{}"), attempt()),
                "the call that opens the breaker uses no attempt");
        assertTrue(tripped.reason().startsWith("endpoint billing: HTTP 503"), tripped.reason());
        assertEquals(1.0, registry.get("openhqm.circuit.breaker.state").tag("endpoint", "billing").gauge().value());
        Outcome.Deferred deferred = assertInstanceOf(Outcome.Deferred.class, egress.send(json("{}"), attempt()));
        assertEquals("endpoint billing: circuit breaker open", deferred.reason());
        assertTrue(deferred.after().compareTo(Duration.ofMillis(100)) >= 0
                && deferred.after().compareTo(Duration.ofSeconds(1)) <= 0, deferred.after().toString());
        assertEquals(4, backend.count(), "an open breaker let a call through");

        Thread.sleep(1100);
        for (int i = 0; i < 2; i++) {
            assertInstanceOf(Outcome.Deferred.class, egress.send(json("{}"), attempt()),
                    "a failed trial call uses no attempt");
        }
        assertEquals(1.0, registry.get("openhqm.circuit.breaker.state").tag("endpoint", "billing").gauge().value());

        backend.respond = r -> Answer.of(200, "back");
        Thread.sleep(1100);
        assertInstanceOf(Outcome.Completed.class, egress.send(json("{}"), attempt()));
        assertEquals(2.0, registry.get("openhqm.circuit.breaker.state").tag("endpoint", "billing").gauge().value());
        assertInstanceOf(Outcome.Completed.class, egress.send(json("{}"), attempt()));
        assertEquals(0.0, registry.get("openhqm.circuit.breaker.state").tag("endpoint", "billing").gauge().value());
        assertEquals(8, backend.count());
    }

    @Test
    void anOpenBreakerHoldsOnlyItsOwnEndpoint() throws Exception {
        Map<String, Object> breaker = Map.of("minimum_calls", 2, "sliding_window_size", 2);
        egressWith(Map.of("down", endpoint(backend.url() + "/down", "circuit_breaker", breaker),
                "up", endpoint(backend.url() + "/up", "circuit_breaker", breaker)));
        backend.respond = r -> r.path().equals("/down") ? Answer.of(502, "bad gateway") : Answer.of(200, "ok");

        assertInstanceOf(Outcome.Retry.class, egress.send(to("down", Map.of()), attempt()));
        assertInstanceOf(Outcome.Deferred.class, egress.send(to("down", Map.of()), attempt()));
        assertInstanceOf(Outcome.Deferred.class, egress.send(to("down", Map.of()), attempt()));
        assertInstanceOf(Outcome.Completed.class, egress.send(to("up", Map.of()), attempt()));
        assertEquals(1.0, context.meterRegistry().get("openhqm.circuit.breaker.state").tag("endpoint", "down")
                .gauge().value());
        assertEquals(0.0, context.meterRegistry().get("openhqm.circuit.breaker.state").tag("endpoint", "up")
                .gauge().value());
    }

    @Test
    void fourHundredsAndTooManyRequestsDoNotOpenTheBreaker() throws Exception {
        egress("circuit_breaker", Map.of("minimum_calls", 2, "sliding_window_size", 2));
        backend.respond = r -> Answer.of(r.body().length == 1 ? 429 : 404, "no");

        for (int i = 0; i < 6; i++) {
            egress.send(json(i % 2 == 0 ? "x" : "{}"), attempt());
        }

        assertEquals(6, backend.count());
        assertEquals(0.0, context.meterRegistry().get("openhqm.circuit.breaker.state").gauge().value());
    }

    @Test
    void signaturesVerifyWithAnIndependentStandardWebhooksVerifier() throws Exception {
        byte[] key1 = "0123456789abcdef0123456789abcdef".getBytes();
        byte[] key2 = "another-secret-of-32-bytes-long!".getBytes();
        String secret1 = "whsec_" + Base64.getEncoder().encodeToString(key1);
        String secret2 = "whsec_" + Base64.getEncoder().encodeToString(key2);
        egress("signing_secrets", List.of(secret1, secret2));
        byte[] body = "{\"event\":\"paid\",\"amount\":12.5}".getBytes(StandardCharsets.UTF_8);
        Message message = message(null, null, null, null, body, "application/json", Map.of("webhook-id", "spoof"));

        assertInstanceOf(Outcome.Completed.class, egress.send(message, attempt()));

        TestBackend.Received r = backend.last();
        assertEquals(message.correlationId(), r.header("webhook-id"));
        long timestamp = Long.parseLong(r.header("webhook-timestamp"));
        assertTrue(Math.abs(timestamp - System.currentTimeMillis() / 1000) <= 5);
        String[] signatures = r.header("webhook-signature").split(" ");
        assertEquals(2, signatures.length);
        assertTrue(StandardWebhooksVerifier.verify(secret1, r.header("webhook-id"), r.header("webhook-timestamp"),
                r.body(), r.header("webhook-signature")));
        assertTrue(StandardWebhooksVerifier.verify(secret2, r.header("webhook-id"), r.header("webhook-timestamp"),
                r.body(), r.header("webhook-signature")));
        String other = "whsec_" + Base64.getEncoder().encodeToString("a-third-secret-nobody-configured".getBytes());
        assertFalse(StandardWebhooksVerifier.verify(other, r.header("webhook-id"), r.header("webhook-timestamp"),
                r.body(), r.header("webhook-signature")));
        byte[] tampered = body.clone();
        tampered[3] ^= 1;
        assertFalse(StandardWebhooksVerifier.verify(secret1, r.header("webhook-id"), r.header("webhook-timestamp"),
                tampered, r.header("webhook-signature")));
    }

    @Test
    void metricsCountOutcomesPerEndpointName() throws Exception {
        egress();
        backend.respond = r -> Answer.of(r.body().length == 2 ? 200 : 400, "x");
        egress.send(json("{}"), attempt());
        egress.send(json("{}"), attempt());
        egress.send(json("bad"), attempt());
        egress.send(message("billing", "PATCH", null, null, new byte[0], "application/json", Map.of()), attempt());

        MeterRegistry registry = context.meterRegistry();
        assertEquals(2.0, registry.get("openhqm.egress.requests").tags("endpoint", "billing", "outcome", "completed")
                .counter().count());
        assertEquals(2.0, registry.get("openhqm.egress.requests").tags("endpoint", "billing", "outcome", "failed")
                .counter().count());
        assertEquals(3, registry.get("openhqm.egress.request.duration").tag("endpoint", "billing").timer().count());
        assertEquals(0.0, registry.get("openhqm.circuit.breaker.state").tag("endpoint", "billing").gauge().value());
        assertEquals(0.0, registry.get("openhqm.egress.rate.limited").tag("endpoint", "billing").counter().count());
        registry.getMeters().forEach(m -> m.getId().getTags().forEach(t ->
                assertFalse(t.getValue().contains("127.0.0.1"), m.getId().toString())));
    }
}
