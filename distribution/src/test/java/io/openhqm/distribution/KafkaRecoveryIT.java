package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.plugin.kafka.KafkaBroker;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code bin/hqm-server} on Kafka (queue and results) while the network to the broker is cut and restored
 * (the broker advertises a TCP forwarder that the test cuts).
 */
class KafkaRecoveryIT {
    @TempDir
    Path work;

    @Test
    void submissionsFailPromptlyWhileKafkaIsUnreachableAndWorkersResumeByThemselves() throws Exception {
        try (KafkaBroker broker = KafkaBroker.startBehindForwarder()) {
            RedisDeployment deployment = RedisDeployment.onQueue(work, "queue.type=kafka",
                    "queue.kafka.bootstrap_servers=\"" + broker.bootstrapServers() + "\"",
                    "queue.kafka.request_timeout=2s");
            try {
                RedisDeployment.Node server = deployment.start("all", "worker.count=2");
                String before = server.submit("{\"operation\": \"echo\", \"data\": 1}");
                assertEquals(List.of(before), server.awaitCompleted(List.of(before), Duration.ofSeconds(30)));

                broker.cut();
                long start = System.nanoTime();
                HttpResponse<String> refused = server.post("/api/v1/submit",
                        "{\"payload\": {\"operation\": \"echo\", \"data\": 2}}", Map.of());
                long refusedAfterMs = (System.nanoTime() - start) / 1_000_000;
                assertEquals(503, refused.statusCode(), refused.body());
                assertTrue(refused.headers().firstValue("Content-Type").orElse("")
                        .startsWith("application/problem+json"), refused.headers().toString());
                assertTrue(refusedAfterMs < 8000, "503 after " + refusedAfterMs + " ms (request_timeout 2 s)");
                awaitHealth(server, 503, Duration.ofSeconds(10));

                broker.restore();
                awaitHealth(server, 200, Duration.ofSeconds(40));
                String after = server.submit("{\"operation\": \"echo\", \"data\": 3}");
                assertEquals(List.of(after), server.awaitCompleted(List.of(after), Duration.ofSeconds(40)),
                        "the workers resumed by themselves:\n" + server.log());
            } finally {
                deployment.close("kafka-recovery");
            }
        }
    }

    private static void awaitHealth(RedisDeployment.Node server, int status, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        HttpResponse<String> health = server.get("/health");
        while (health.statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(200);
            health = server.get("/health");
        }
        assertEquals(status, health.statusCode(), health.body());
    }
}
