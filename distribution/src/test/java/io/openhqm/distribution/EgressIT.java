package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queue → HTTP through a real {@code bin/hqm-server} on the embedded queue and a real backend on 127.0.0.1: the
 * seed's full proxy (Pattern 3) with its configuration as written, retries through the queue, and failures.
 */
class EgressIT {
    private static final String TOKEN = "tok-s3cr3t-123";

    @TempDir
    Path work;
    Installation installation;
    Backend backend;

    @BeforeEach
    void setUp() throws Exception {
        installation = Installation.copyTo(work.resolve("home"));
        backend = Backend.start();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        installation.stop();
        backend.close();
    }

    @Test
    void seedPattern3ForwardsWithTheEndpointsAuthRetriesAndFailsFastOn4xx() throws Exception {
        Path config = Files.writeString(work.resolve("settings.yaml"), """
                # HTTP → Queue → HTTP (full proxy mode), as in the seed
                proxy:
                  enabled: true
                  default_endpoint: "my-backend"

                  endpoints:
                    my-backend:
                      url: "%s"
                      method: "POST"
                      timeout: 300
                      auth_type: "bearer"
                      auth_token: "${API_TOKEN}"
                    flaky:
                      url: "%s"
                    strict:
                      url: "%s"

                worker:
                  count: 10
                  retry_delay_base: 300ms
                """.formatted(backend.url("/process"), backend.url("/flaky"), backend.url("/strict")));
        AtomicInteger flakyCalls = new AtomicInteger();
        backend.answer(r -> switch (r.path()) {
            case "/flaky" -> switch (flakyCalls.incrementAndGet()) {
                case 1 -> Backend.Answer.json(503, "{\"busy\":1}");
                case 2 -> new Backend.Answer(503, Map.of("Retry-After", "2"), new byte[0]);
                default -> Backend.Answer.json(200, "{\"done\":true}");
            };
            case "/strict" -> Backend.Answer.json(400, "{\"error\":\"bad order\"}");
            default -> Backend.Answer.json(200, "{\"received\":\"" + r.headers().get("x-correlation-id") + "\"}");
        });
        Map<String, String> env = Map.of("API_TOKEN", TOKEN);
        installation.start(env, "--config", config.toString());

        HttpResponse<String> done = installation.post("/api/v1/submit", "{\"payload\": {\"order\": 42}}",
                Map.of("Prefer", "wait=10", "Authorization", "Bearer the-clients-own"));
        assertEquals(200, done.statusCode(), done.body());
        JsonNode result = RedisDeployment.JSON.readTree(done.body());
        String id = result.get("correlation_id").asText();
        assertEquals("COMPLETED", result.get("status").asText());
        assertEquals(200, result.get("status_code").asInt());
        assertEquals(id, result.get("result").get("received").asText(), "the backend's JSON is the result");
        Backend.Request call = backend.await("/process", 1, Duration.ofSeconds(1)).get(0);
        assertEquals("POST", call.method());
        assertEquals("Bearer " + TOKEN, call.headers().get("authorization"), "the endpoint's auth, not the client's");
        assertEquals(id, call.headers().get("x-correlation-id"));
        assertEquals("{\"order\": 42}", call.text());
        assertTrue(call.headers().get("content-type").startsWith("application/json"), call.headers().toString());

        String flaky = submit("{\"payload\": {\"n\": 1}, \"metadata\": {\"endpoint\": \"flaky\"}}");
        JsonNode flakyResult = awaitTerminal(flaky);
        assertEquals("COMPLETED", flakyResult.get("status").asText(), flakyResult.toString());
        assertEquals(true, flakyResult.get("result").get("done").asBoolean());
        assertEquals(3, installation.json("/api/v1/status/" + flaky).get("attempts").asInt());
        List<Backend.Request> calls = backend.received("/flaky");
        assertEquals(3, calls.size());
        Duration first = Duration.between(calls.get(0).at(), calls.get(1).at());
        Duration second = Duration.between(calls.get(1).at(), calls.get(2).at());
        assertTrue(first.toMillis() >= 140, "backoff before the first retry: " + first);
        assertTrue(second.toMillis() >= 1900, "Retry-After: 2 is honoured: " + second);

        String strict = submit("{\"payload\": {\"n\": 2}, \"metadata\": {\"endpoint\": \"strict\"}}");
        JsonNode failed = awaitTerminal(strict);
        assertEquals("FAILED", failed.get("status").asText(), failed.toString());
        assertEquals(400, failed.get("status_code").asInt());
        assertEquals("bad order", failed.get("result").get("error").asText(), "the backend's answer is kept");
        assertTrue(failed.get("error").asText().contains("400"), failed.toString());
        Thread.sleep(1000);
        assertEquals(1, backend.received("/strict").size(), "a 4xx is not retried");

        Installation.Result check = installation.run(env, "check-config", "--config", config.toString());
        assertEquals(0, check.status(), check.err());
        assertFalse((check.out() + check.err()).contains(TOKEN), "check-config never shows the token");
        assertFalse(installation.log().contains(TOKEN), "the log never shows the token");
    }

    @Test
    void anOpenBreakerHoldsItsEndpointsMessagesWithoutUsingAttemptsWhileOthersFlow() throws Exception {
        Path config = Files.writeString(work.resolve("breaker.conf"), """
                proxy {
                  enabled = true
                  default_endpoint = healthy
                  endpoints {
                    healthy.url = "%s"
                    down {
                      url = "%s"
                      circuit_breaker { minimum_calls = 4, sliding_window_size = 4, wait_in_open = 2s }
                    }
                  }
                }
                worker { count = 16, max_retries = 3, retry_delay_base = 300ms }
                server.admin.enabled = true
                """.formatted(backend.url("/healthy"), backend.url("/down")));
        Instant back = Instant.now().plusSeconds(8);
        backend.answer(r -> r.path().equals("/down") && Instant.now().isBefore(back)
                ? Backend.Answer.json(503, "{\"down\":true}") : Backend.Answer.json(200, "{\"ok\":true}"));
        installation.start("--config", config.toString());

        List<String> held = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            held.add(submit("{\"payload\": {\"n\": " + i + "}, \"metadata\": {\"endpoint\": \"down\"}}"));
        }
        backend.await("/down", 4, Duration.ofSeconds(5));
        assertTrue(awaitMetric("openhqm_egress_requests_total{endpoint=\"down\",outcome=\"deferred\"",
                Duration.ofSeconds(15)), "the breaker opens and defers the endpoint's messages");
        Map<String, String> breakers = new TreeMap<>();
        installation.json("/api/v1/endpoints").get("endpoints").forEach(e -> breakers.put(e.get("name").asText(),
                e.get("circuit_breaker").asText()));
        assertEquals("closed", breakers.get("healthy"), "the admin API reads the egress's breakers: " + breakers);
        assertTrue(Set.of("open", "half_open").contains(breakers.get("down")), breakers.toString());
        HttpResponse<String> other = installation.post("/api/v1/submit", "{\"payload\": {\"other\": 1}}",
                Map.of("Prefer", "wait=5"));
        assertEquals(200, other.statusCode(), "another endpoint keeps flowing: " + other.body());

        for (String id : held) {
            JsonNode r = awaitTerminal(id);
            assertEquals("COMPLETED", r.get("status").asText(), r.toString());
            int attempts = installation.json("/api/v1/status/" + id).get("attempts").asInt();
            // at most the failures the breaker counts before it opens (minimum_calls), then the success
            assertTrue(attempts <= 4, "waiting for the breaker uses no attempts: " + attempts);
        }
        long callsWhileDown = backend.received("/down").stream().filter(r -> r.at().isBefore(back)).count();
        assertTrue(callsWhileDown < 8 * 4, "while open the endpoint is spared: " + callsWhileDown + " calls");
        assertFalse(installation.get("/metrics").body().contains("openhqm_queue_dlq_total{"),
                "nothing was dead-lettered");
    }

    @Test
    void theSeedsEnvironmentOnlySidecarForwardsSubmissionsAndTransparentRequests() throws Exception {
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        backend.answer(r -> switch (r.path()) {
            case "/legacy/gone" -> Backend.Answer.json(404, "{\"error\":\"no such item\"}");
            case "/legacy/blob" -> new Backend.Answer(201, Map.of("Content-Type", "application/octet-stream",
                    "Set-Cookie", "a=1\nb=2", "X-App", "legacy"), r.body());
            default -> Backend.Answer.json(200, "{\"method\":\"" + r.method() + "\",\"path\":\"" + r.path()
                    + "\",\"query\":\"" + r.query() + "\"}");
        });
        installation.start(Map.of("OPENHQM_PROXY__ENABLED", "true",
                "OPENHQM_PROXY__DEFAULT_ENDPOINT", backend.url(""), "OPENHQM_SERVER__MODE", "proxy"));

        HttpResponse<String> submitted = installation.post("/api/v1/submit", "{\"payload\": {\"a\": 1}}",
                Map.of("Prefer", "wait=10"));
        assertEquals(200, submitted.statusCode(), submitted.body());
        assertEquals("POST", RedisDeployment.JSON.readTree(submitted.body()).get("result").get("method").asText());

        HttpResponse<byte[]> get = installation.send("GET", "/legacy/items?x=1&y=%20two", new byte[0], Map.of());
        assertEquals(200, get.statusCode());
        assertEquals("{\"method\":\"GET\",\"path\":\"/legacy/items\",\"query\":\"x=1&y=%20two\"}",
                new String(get.body(), StandardCharsets.UTF_8));
        assertEquals("application/json", get.headers().firstValue("content-type").orElseThrow());

        HttpResponse<byte[]> put = installation.send("PUT", "/legacy/blob", binary,
                Map.of("Content-Type", "application/octet-stream"));
        assertEquals(201, put.statusCode());
        assertArrayEquals(binary, put.body(), "a binary body goes and comes back byte for byte");
        assertEquals(List.of("a=1", "b=2"), put.headers().allValues("set-cookie"));
        assertEquals("legacy", put.headers().firstValue("x-app").orElseThrow());
        assertEquals("PUT", backend.received("/legacy/blob").get(0).method());

        HttpResponse<byte[]> gone = installation.send("DELETE", "/legacy/gone", new byte[0], Map.of());
        assertEquals(404, gone.statusCode(), "the app's own status");
        assertEquals("{\"error\":\"no such item\"}", new String(gone.body(), StandardCharsets.UTF_8));

        HttpResponse<byte[]> async = installation.send("POST", "/legacy/later", "{}".getBytes(StandardCharsets.UTF_8),
                Map.of("Content-Type", "application/json", "Prefer", "respond-async"));
        assertEquals(202, async.statusCode());
        assertEquals("respond-async", async.headers().firstValue("preference-applied").orElseThrow());
        String location = async.headers().firstValue("location").orElseThrow();
        JsonNode later = installation.json(location + "?wait=10");
        assertEquals("COMPLETED", later.get("status").asText(), later.toString());
        assertEquals("/legacy/later", later.get("result").get("path").asText());
    }

    @Test
    void checkConfigNamesEveryBadEgressKeyWithFileAndLineAndNoSecret() throws Exception {
        Path config = Files.writeString(work.resolve("typos.conf"), """
                proxy {
                  max_respons_bytes = 1MiB
                  endpoints.billing {
                    url = "https://billing.example/charge"
                    auth_type = bearer
                    auth_tokn = "%s"
                    rate_limit = -5
                  }
                }
                """.formatted(TOKEN));

        Installation.Result check = installation.run("check-config", "--config", config.toString());

        assertEquals(1, check.status(), check.out());
        String report = check.err();
        for (String expected : List.of("proxy.max_respons_bytes: unknown key", "(in " + config + " line 2)",
                "proxy.endpoints.billing.auth_tokn: unknown key", "(in " + config + " line 6)",
                "proxy.endpoints.billing.auth_token", "proxy.endpoints.billing.rate_limit", "line 7)")) {
            assertTrue(report.contains(expected), "missing <" + expected + "> in:\n" + report);
        }
        assertFalse(report.contains(TOKEN), report);
    }

    @Test
    void theShippedExamplesPassCheckConfig() throws Exception {
        Path examples = installation.home.resolve("conf/examples");
        Map<String, String> tokens = Map.of("API_TOKEN", "t-1", "BACKEND_TOKEN", "t-2");
        for (String example : List.of("http-to-queue.conf", "queue-to-http.conf", "full-proxy.conf")) {
            Installation.Result check = installation.run(tokens, "check-config", "--config",
                    examples.resolve(example).toString());
            assertEquals(0, check.status(), example + ":\n" + check.err());
        }
        Map<String, String> sidecar = new java.util.HashMap<>();
        for (String line : Files.readAllLines(examples.resolve("sidecar.env"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                sidecar.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        assertEquals("proxy", sidecar.get("OPENHQM_SERVER__MODE"));
        Installation.Result check = installation.run(sidecar, "check-config");
        assertEquals(0, check.status(), "sidecar.env:\n" + check.err());
        assertTrue(check.out().contains("http://localhost:8080"), check.out());
    }

    /** Waits until the metric whose line starts with {@code line} is above zero. */
    private boolean awaitMetric(String line, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            for (String l : installation.get("/metrics").body().split("\n")) {
                if (l.startsWith(line) && Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) > 0) {
                    return true;
                }
            }
            Thread.sleep(50);
        }
        return false;
    }

    private String submit(String body) throws Exception {
        HttpResponse<String> r = installation.post("/api/v1/submit", body);
        assertEquals(202, r.statusCode(), r.body());
        return RedisDeployment.JSON.readTree(r.body()).get("correlation_id").asText();
    }

    private JsonNode awaitTerminal(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode r = null;
        while (System.nanoTime() < deadline) {
            r = installation.json("/api/v1/response/" + id + "?wait=5");
            String status = r.path("status").asText();
            if (status.equals("COMPLETED") || status.equals("FAILED") || status.equals("TIMEOUT")) {
                return r;
            }
        }
        throw new AssertionError("not finished in 30 s: " + r);
    }
}
