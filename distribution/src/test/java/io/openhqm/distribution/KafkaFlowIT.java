package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.plugin.kafka.KafkaBroker;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real {@code bin/hqm-server} processes on the Kafka queue, against a KRaft broker in this JVM (the processes
 * connect over 127.0.0.1).
 */
class KafkaFlowIT {
    private static KafkaBroker broker;

    @TempDir
    Path work;
    RedisDeployment deployment;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @AfterEach
    void stop(TestInfo test) throws InterruptedException {
        if (deployment != null) {
            deployment.close("kafka-" + test.getTestMethod().map(java.lang.reflect.Method::getName).orElse("test"));
        }
    }

    private RedisDeployment deployment(String... settings) throws Exception {
        List<String> all = new ArrayList<>(List.of("queue.type=kafka",
                "queue.kafka.bootstrap_servers=\"" + broker.bootstrapServers() + "\"", "results.type=embedded"));
        all.addAll(List.of(settings));
        return RedisDeployment.onQueue(work, all.toArray(String[]::new));
    }

    /** The seed's Scenario 2: an external system writes plain records to {@code events}; a worker-only server. */
    @Test
    void aWorkerProcessesPlainRecordsFromAnyProducer() throws Exception {
        broker.createTopic("events", 3);
        int total = 30;
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            for (int i = 0; i < total; i++) {
                producer.send(new ProducerRecord<>("events", ("customer-" + (i % 7)).getBytes(StandardCharsets.UTF_8),
                        ("{\"operation\": \"uppercase\", \"data\": \"record " + i + "\"}")
                                .getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        deployment = deployment("queue.kafka.topics=[\"events\"]", "queue.kafka.consumer_group=openhqm-workers");
        RedisDeployment.Node worker = deployment.start("worker", "worker.count=8");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String completed = "openhqm_worker_processing_duration_seconds_count{status=\"completed\"} " + total;
        String metrics = "";
        while (!metrics.contains(completed) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            metrics = worker.get("/metrics").body();
        }
        assertTrue(metrics.contains(completed), "all " + total + " records processed:\n" + worker.log());
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long committed = 0;
        while (committed < total && System.nanoTime() < deadline) {
            Thread.sleep(200);
            committed = committed("openhqm-workers", "events");
        }
        assertEquals(total, committed, "the group's offsets cover every record");
    }

    @Test
    void httpSubmitGoesThroughKafkaToAWorkerAndBack() throws Exception {
        deployment = deployment();
        RedisDeployment.Node server = deployment.start("all", "worker.count=4");

        HttpResponse<String> waited = server.post("/api/v1/submit",
                "{\"payload\": {\"operation\": \"uppercase\", \"data\": \"hello\"}}", Map.of("Prefer", "wait=15"));
        assertEquals(200, waited.statusCode(), waited.body());
        JsonNode done = RedisDeployment.JSON.readTree(waited.body());
        assertEquals("COMPLETED", done.get("status").asText(), done.toString());
        assertEquals("HELLO", done.get("result").get("output").asText());

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(server.submit("{\"operation\": \"echo\", \"data\": " + i + "}"));
        }
        assertEquals(ids, server.awaitCompleted(ids, java.time.Duration.ofSeconds(30)));
        assertEquals(200, server.get("/health").statusCode());
        assertTrue(server.get("/metrics").body().contains("openhqm_queue_depth"), "depth gauge exported");
    }

    private static long committed(String group, String topic) throws Exception {
        try (Admin admin = broker.admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
                    .mapToLong(e -> e.getValue().offset()).sum();
        }
    }
}
