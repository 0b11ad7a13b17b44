package io.openhqm.server;

import static io.openhqm.server.ServerIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.server.cli.CommandLine.Command;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API over real sockets, on the embedded queue with the sample processor: dead letters listed by page and
 * filter, read, deleted and redriven until they complete; the queue overview; who may use it.
 */
@Timeout(120)
class AdminApiIT {
    @TempDir
    Path home;

    @Test
    void deadLettersArePagedFilteredDeletedAndRedrivenUntilTheyComplete() throws Exception {
        String sleeper;
        try (Server failing = ServerIT.start(home, Command.ALL, "server.admin.enabled=true",
                "worker.timeout_seconds=1")) {
            TestHttp http = new TestHttp(failing.address().getPort());
            for (int i = 1; i <= 3; i++) {
                assertEquals(202, http.submit("{\"operation\": \"error\", \"message\": \"boom-" + i + "\"}").status());
            }
            sleeper = http.submit("{\"operation\": \"sleep\", \"ms\": 1500}").json().get("correlation_id").asText();
            awaitDeadLetters(http, 4);

            List<JsonNode> all = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                TestHttp.Reply page = http.send(http.get("/api/v1/dead-letters?limit=3"
                        + (cursor == null ? "" : "&cursor=" + cursor)));
                assertEquals(200, page.status(), page.body());
                page.json().get("dead_letters").forEach(all::add);
                cursor = page.json().get("next_cursor").isNull() ? null : page.json().get("next_cursor").asText();
                pages++;
            } while (cursor != null);
            assertEquals(2, pages);
            assertEquals(4, all.size());
            assertEquals(4, new HashSet<>(all.stream().map(e -> e.get("id").asText()).toList()).size());
            for (int i = 1; i < all.size(); i++) {
                assertFalse(Instant.parse(all.get(i).get("dead_lettered_at").asText())
                        .isAfter(Instant.parse(all.get(i - 1).get("dead_lettered_at").asText())), "newest first");
            }
            JsonNode first = all.getFirst();
            assertTrue(first.has("correlation_id") && first.has("payload_excerpt") && first.has("endpoint")
                    && first.has("error") && first.get("attempts").isArray(), first.toString());

            TestHttp.Reply booms = http.send(http.get("/api/v1/dead-letters?error=BOOM"));
            assertEquals(3, booms.json().get("dead_letters").size(), booms.body());
            TestHttp.Reply timedOut = http.send(http.get("/api/v1/dead-letters?error=timeout&since="
                    + Instant.now().minusSeconds(600) + "&until=" + Instant.now().plusSeconds(60)));
            JsonNode sleeping = timedOut.json().get("dead_letters");
            assertEquals(1, sleeping.size(), timedOut.body());
            assertEquals(sleeper, sleeping.get(0).get("correlation_id").asText());
            assertEquals(0, http.send(http.get("/api/v1/dead-letters?until=" + Instant.now().minusSeconds(600)))
                    .json().get("dead_letters").size());

            String boomId = booms.json().get("dead_letters").get(0).get("id").asText();
            TestHttp.Reply one = http.send(http.get("/api/v1/dead-letters/" + boomId));
            assertEquals(200, one.status(), one.body());
            assertEquals("error", one.json().get("payload").get("operation").asText());
            assertTrue(one.json().get("error").asText().contains("boom"), one.body());
            assertTrue(one.json().get("attempts").isArray(), one.body());

            assertEquals(204, http.send(http.get("/api/v1/dead-letters/" + boomId).DELETE()).status());
            assertProblem(http.send(http.get("/api/v1/dead-letters/" + boomId)), 404, null);
            assertProblem(http.send(http.get("/api/v1/dead-letters/" + boomId).DELETE()), 404, null);
            assertProblem(http.send(http.post("/api/v1/dead-letters/" + boomId + "/redrive", "")), 404, null);

            assertProblem(http.send(http.get("/api/v1/dead-letters?limit=0")), 422, "limit");
            assertProblem(http.send(http.get("/api/v1/dead-letters?since=yesterday")), 422, "since");
            assertProblem(http.send(http.get("/api/v1/dead-letters?cursor=zz")), 400, null);
        }

        // The cause is fixed (a longer timeout): redriven, the message runs again from attempt 1 and completes.
        try (Server fixed = ServerIT.start(home, Command.ALL, "server.admin.enabled=true")) {
            TestHttp http = new TestHttp(fixed.address().getPort());
            assertEquals("TIMEOUT", http.send(http.get("/api/v1/status/" + sleeper)).json().get("status").asText());
            String id = http.send(http.get("/api/v1/dead-letters?error=timeout")).json().get("dead_letters").get(0)
                    .get("id").asText();

            TestHttp.Reply redriven = http.send(http.post("/api/v1/dead-letters/" + id + "/redrive", ""));
            assertEquals(202, redriven.status(), redriven.body());
            assertEquals(sleeper, redriven.json().get("correlation_id").asText());
            assertEquals("/api/v1/response/" + sleeper, redriven.header("Location"));
            String status = http.send(http.get("/api/v1/status/" + sleeper)).json().get("status").asText();
            assertTrue(status.equals("PENDING") || status.equals("PROCESSING"), status);
            assertProblem(http.send(http.post("/api/v1/dead-letters/" + id + "/redrive", "")), 404, null);

            TestHttp.Reply done = http.awaitResult(sleeper, 10);
            assertEquals("COMPLETED", done.json().get("status").asText(), done.body());
            assertEquals(1, http.send(http.get("/api/v1/status/" + sleeper)).json().get("attempts").asInt());

            TestHttp.Reply queues = http.send(http.get("/api/v1/queues"));
            assertEquals(200, queues.status(), queues.body());
            JsonNode queue = queues.json().get("queues").get(0);
            assertEquals("openhqm-requests", queue.get("name").asText());
            assertEquals(0, queue.get("depth").asLong());
            assertEquals(0, queue.get("in_flight").asLong());
            assertEquals(0, queue.get("delayed").asLong());
            assertEquals(2, queue.get("dead_letters").asLong());
            assertTrue(queue.get("rates_per_second").get("completed").asDouble() > 0, queues.body());
            assertEquals(1, queue.get("totals").get("completed").asLong(), queues.body());
            assertEquals(0, queue.get("totals").get("submitted").asLong(), "redriving is no submission");
            assertEquals(0, queue.get("totals").get("failed").asLong(), queues.body());
            double processing = queue.get("totals").get("processing_seconds").asDouble();
            assertTrue(processing >= 1.5 && processing < 10, queues.body());
            assertEquals(processing, queue.get("processing_seconds").get("mean").asDouble(), 0.01, queues.body());
            assertTrue(queue.get("processing_seconds").get("max").asDouble() >= 1.5, queues.body());
            TestHttp.Reply endpoints = http.send(http.get("/api/v1/endpoints"));
            assertEquals(200, endpoints.status(), endpoints.body());
            assertEquals(0, endpoints.json().get("endpoints").size(), "no proxy.endpoints configured");

            String metrics = http.send(http.get("/metrics")).body();
            assertTrue(metrics.contains("route=\"/api/v1/dead-letters/{id}/redrive\""), "route templates");
            assertFalse(metrics.contains("route=\"/api/v1/dead-letters/" + id), "raw paths never become labels");
        }
    }

    @Test
    void withAdminKeysOnlyAnAdminKeyMayUseTheAdminApi() throws Exception {
        try (Server secured = ServerIT.start(home, Command.ALL, "server.auth.api_keys=[\"submit-key\"]",
                "server.auth.admin_keys=[\"admin-key\"]")) {
            TestHttp http = new TestHttp(secured.address().getPort());
            for (HttpRequest.Builder request : List.of(http.get("/api/v1/queues"), http.get("/api/v1/dead-letters"),
                    http.post("/api/v1/dead-letters/1/redrive", ""), http.get("/api/v1/dead-letters/1").DELETE(),
                    http.post("/api/v1/dead-letters/redrive", "{}"), http.post("/api/v1/dead-letters/purge", "{}"),
                    http.get("/api/v1/redrive-jobs"), http.get("/api/v1/redrive-jobs/1"),
                    http.get("/api/v1/redrive-jobs/1").DELETE(), http.get("/api/v1/endpoints"))) {
                assertProblem(http.send(request.copy()), 401, null);
                assertProblem(http.send(request.copy().header("X-API-Key", "submit-key")), 403, null);
                assertProblem(http.send(request.copy().header("Authorization", "Bearer wrong")), 403, null);
            }
            assertEquals(200, http.send(http.get("/api/v1/queues").header("X-API-Key", "admin-key")).status());
            assertEquals(200, http.send(http.get("/console")).status(), "the console's page itself needs no key");
            assertEquals(200, http.send(http.get("/api/v1/dead-letters")
                    .header("Authorization", "Bearer admin-key")).status());
            assertProblem(http.send(http.post("/api/v1/dead-letters/1/redrive", "").header("X-API-Key",
                    "admin-key")), 404, null);
            assertProblem(http.send(http.post("/api/v1/submit", "{\"payload\": 1}").header("X-API-Key",
                    "admin-key")), 401, null);
            TestHttp.Reply purged = http.send(http.post("/api/v1/dead-letters/purge", "{}").header("X-API-Key",
                    "admin-key"));
            assertEquals(200, purged.status(), purged.body());
            assertEquals(0, purged.json().get("deleted").asLong());
        }
    }

    @Test
    void withoutAdminKeysTheAdminApiAndConsoleAreAbsentUnlessEnabled() throws Exception {
        try (Server plain = ServerIT.start(home, Command.ALL, "server.auth.api_keys=[\"submit-key\"]")) {
            TestHttp http = new TestHttp(plain.address().getPort());
            assertProblem(http.send(http.get("/api/v1/queues")), 404, null);
            assertProblem(http.send(http.get("/api/v1/dead-letters").header("X-API-Key", "submit-key")), 404, null);
            assertProblem(http.send(http.post("/api/v1/dead-letters/1/redrive", "")), 404, null);
            assertProblem(http.send(http.post("/api/v1/dead-letters/redrive", "{}")), 404, null);
            assertProblem(http.send(http.get("/api/v1/redrive-jobs")), 404, null);
            assertProblem(http.send(http.get("/api/v1/endpoints")), 404, null);
            assertProblem(http.send(http.get("/console")), 404, null);
            assertProblem(http.send(http.get("/console/")), 404, null);
            assertProblem(http.send(http.get("/console/assets/console.js")), 404, null);
        }
    }

    private static void awaitDeadLetters(TestHttp http, int count) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        long seen = -1;
        while (System.nanoTime() < deadline) {
            TestHttp.Reply queues = http.send(http.get("/api/v1/queues"));
            assertEquals(200, queues.status(), queues.body());
            seen = queues.json().get("queues").get(0).get("dead_letters").asLong();
            if (seen == count) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("expected " + count + " dead letters, saw " + seen);
    }
}
