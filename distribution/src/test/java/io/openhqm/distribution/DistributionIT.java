package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openhqm.api.Plugin;
import io.openhqm.testing.TestJars;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tarball as a user runs it: real {@code bin/hqm-server} processes, real sockets, kill -9. */
class DistributionIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;
    Installation installation;

    @AfterEach
    void stop() throws InterruptedException {
        if (installation != null) {
            installation.stop();
        }
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void theQuickstartWorksOnTheEmbeddedDefault() throws Exception {
        installation = Installation.copyTo(work);
        installation.start();

        HttpResponse<String> submitted = installation.post("/api/v1/submit",
                "{\"payload\": {\"operation\": \"echo\", \"data\": \"Hello World\"}}");
        assertEquals(202, submitted.statusCode(), submitted.body());
        String id = json(submitted).get("correlation_id").asText();
        JsonNode result = json(installation.get("/api/v1/response/" + id + "?wait=10"));

        assertEquals("COMPLETED", result.get("status").asText(), result.toString());
        assertEquals("Hello World", result.get("result").get("output").asText());
        assertTrue(Files.exists(installation.home.resolve("data")), "the embedded queue lives under data/");
    }

    @Test
    void killMinus9WhileProcessingLosesNothing() throws Exception {
        installation = Installation.copyTo(work);
        installation.start("--set", "worker.count=16");
        int total = 1000;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            HttpResponse<String> r = installation.post("/api/v1/submit",
                    "{\"payload\": {\"operation\": \"sleep\", \"ms\": 40}}");
            assertEquals(202, r.statusCode(), r.body());
            ids.add(json(r).get("correlation_id").asText());
        }
        int completedBeforeKill = waitForSomeCompleted(ids, 50);
        installation.kill();
        assertTrue(completedBeforeKill < total, "the kill must happen while messages are being processed");

        installation.start("--set", "worker.count=16");
        Set<String> completed = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (completed.size() < total && System.nanoTime() < deadline) {
            for (String id : ids) {
                if (!completed.contains(id)) {
                    JsonNode status = json(installation.get("/api/v1/status/" + id));
                    if ("COMPLETED".equals(status.path("status").asText())) {
                        completed.add(id);
                    }
                }
            }
            Thread.sleep(200);
        }
        assertEquals(total, completed.size(), "all messages completed after the restart");
    }

    private int waitForSomeCompleted(List<String> ids, int wanted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            int completed = 0;
            for (String id : ids.subList(0, 200)) {
                if ("COMPLETED".equals(json(installation.get("/api/v1/status/" + id)).path("status").asText())) {
                    completed++;
                }
            }
            if (completed >= wanted) {
                return completed;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("nothing completed in 60 s:\n" + installation.log());
    }

    @Test
    void sigtermDrainsAndHandsBackWithinTheGrace() throws Exception {
        installation = Installation.copyTo(work);
        installation.start("--set", "worker.count=4", "--set", "worker.shutdown_grace=2s");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(json(installation.post("/api/v1/submit",
                    "{\"payload\": {\"operation\": \"sleep\", \"ms\": 3000}}")).get("correlation_id").asText());
        }
        Thread.sleep(500);
        long started = System.nanoTime();
        installation.process().destroy();
        assertTrue(installation.process().waitFor(20, TimeUnit.SECONDS), "exits after SIGTERM");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertTrue(seconds <= 10, "exited in " + seconds + " s, the grace is 2 s (the default is 30 s)");
        assertTrue(installation.log().contains("shutting down"), installation.log());

        installation.start("--set", "worker.count=12");
        for (String id : ids) {
            JsonNode result = json(installation.get("/api/v1/response/" + id + "?wait=30"));
            assertEquals("COMPLETED", result.path("status").asText(), result.toString());
        }
    }

    @Test
    void aSecondStartOnTheSamePortTakesNothingFromTheRunningServer() throws Exception {
        installation = Installation.copyTo(work);
        installation.start("--set", "worker.count=4");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(json(installation.post("/api/v1/submit",
                    "{\"payload\": {\"operation\": \"sleep\", \"ms\": 1500}}")).get("correlation_id").asText());
        }
        Thread.sleep(300);

        Installation.Result second = installation.run("--set", "server.port=" + installation.port,
                "--set", "worker.count=4");

        assertEquals(1, second.status(), second.out() + second.err());
        assertTrue(second.err().contains("server.port: port " + installation.port), second.err());
        for (String id : ids) {
            JsonNode result = json(installation.get("/api/v1/status/" + id));
            for (int i = 0; i < 100 && !"COMPLETED".equals(result.path("status").asText()); i++) {
                Thread.sleep(100);
                result = json(installation.get("/api/v1/status/" + id));
            }
            assertEquals("COMPLETED", result.path("status").asText(), result.toString());
            assertEquals(1, result.path("attempts").asInt(), "processed once: " + result);
        }
    }

    @Test
    void aProcessorJarDroppedIntoPluginsIsPickedUp() throws Exception {
        installation = Installation.copyTo(work);
        Path api;
        try (Stream<Path> lib = Files.list(installation.home.resolve("lib"))) {
            api = lib.filter(p -> p.getFileName().toString().startsWith("hqm-api")).findFirst().orElseThrow();
        }
        String source = """
                package com.example.shout;
                import io.openhqm.api.*;
                import io.openhqm.api.processing.*;
                import io.openhqm.api.result.Reply;
                import java.util.List;
                public class ShoutPlugin implements Plugin {
                    public String spiVersion() { return Plugin.SPI_VERSION; }
                    public List<ProcessorFactory> processorFactories() {
                        return List.of(new ProcessorFactory() {
                            public String type() { return "my-proc"; }
                            public Processor create(PluginConfig config, PluginContext context) {
                                return (message, attempt) -> new Outcome.Completed(Reply.json(
                                        ("{\\"shouted\\": " + message.bodyAsString().toUpperCase() + "}").getBytes()));
                            }
                        });
                    }
                }
                """;
        TestJars.build(installation.home.resolve("plugins/my-proc/shout.jar"),
                java.util.Map.of("com.example.shout.ShoutPlugin", source),
                java.util.Map.of("META-INF/services/io.openhqm.api.Plugin", "com.example.shout.ShoutPlugin\n"),
                List.of(api));

        Installation.Result listing = installation.run("plugins");
        assertEquals(0, listing.status(), listing.err());
        assertTrue(listing.out().contains("processor: my-proc") && listing.out().contains("shout.jar"),
                listing.out());

        installation.start("--set", "worker.processor=my-proc");
        String id = json(installation.post("/api/v1/submit", "{\"payload\": \"quiet\"}")).get("correlation_id")
                .asText();
        JsonNode result = json(installation.get("/api/v1/response/" + id + "?wait=10"));
        assertEquals("QUIET", result.get("result").get("shouted").asText(), result.toString());
    }

    @Test
    void aListenerAndAWorkerProcessShareTheEmbeddedQueue() throws Exception {
        installation = Installation.copyTo(work.resolve("listener"));
        Installation worker = Installation.copyTo(work.resolve("worker"));
        String shared = "queue.embedded.path=\"" + work.resolve("shared-data") + "\"";
        try {
            installation.start("listener", "--set", shared);
            worker.start("worker", "--set", shared, "--set", "management.port=" + worker.port);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ids.add(json(installation.post("/api/v1/submit",
                        "{\"payload\": {\"operation\": \"echo\", \"data\": " + i + "}}")).get("correlation_id")
                        .asText());
            }
            for (String id : ids) {
                JsonNode result = json(installation.get("/api/v1/response/" + id + "?wait=20"));
                assertEquals("COMPLETED", result.path("status").asText(), result.toString());
            }
            assertEquals(200, worker.get("/health").statusCode(), "the worker serves health on management.port");
            String workerMetrics = worker.get("/metrics").body();
            assertTrue(workerMetrics.contains("openhqm_worker_processing_duration_seconds_count{status=\"completed\"} 50"),
                    workerMetrics);
            String listenerMetrics = installation.get("/metrics").body();
            assertTrue(!listenerMetrics.contains("openhqm_worker_processing_duration_seconds_count"),
                    "the listener runs no workers");
        } finally {
            worker.stop();
        }
    }

    @Test
    void theBundledPluginsLoadFromTheirFolders() throws Exception {
        installation = Installation.copyTo(work);

        Installation.Result listing = installation.run("plugins");

        assertEquals(0, listing.status(), listing.err());
        String spi = " (SPI " + Plugin.SPI_VERSION + ") from ";
        assertTrue(listing.out().contains("queue-embedded" + spi + installation.home.resolve("plugins/queue-embedded"))
                && listing.out().contains("queue: embedded") && listing.out().contains("result store: embedded")
                && listing.out().contains("sqlite-jdbc"), listing.out());
        assertTrue(listing.out().contains("processor-sample" + spi
                        + installation.home.resolve("plugins/processor-sample"))
                && listing.out().contains("processor: sample") && listing.out().contains("jackson-databind"),
                listing.out());
        assertTrue(listing.out().contains("egress-http" + spi + installation.home.resolve("plugins/egress-http"))
                && listing.out().contains("resilience4j-circuitbreaker"), listing.out());
        assertTrue(listing.out().contains("queue-kafka" + spi + installation.home.resolve("plugins/queue-kafka"))
                && listing.out().contains("queue: kafka") && listing.out().contains("kafka-clients"), listing.out());
    }

    @Test
    void aTypoInTheConfigFailsStartupNamingTheKey() throws Exception {
        installation = Installation.copyTo(work);
        Files.writeString(installation.home.resolve("conf/application.conf"), "worker { cuont = 3 }\n");

        Installation.Result run = installation.run("check-config");

        assertEquals(1, run.status());
        assertTrue(run.err().contains("worker.cuont"), run.err());
        Installation.Result version = installation.run("version");
        assertEquals(0, version.status());
        assertTrue(version.out().startsWith("OpenHQM "), version.out());
    }
}
