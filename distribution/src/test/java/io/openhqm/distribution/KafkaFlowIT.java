package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.plugin.kafka.KafkaBroker;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
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
                "queue.kafka.bootstrap_servers=\"" + broker.bootstrapServers() + "\""));
        all.addAll(List.of(settings));
        return RedisDeployment.onQueue(work, all.toArray(String[]::new));
    }

    /**
     * The admin API on Kafka: a message that timed out is listed among the dead letters; after a restart with a longer
     * timeout it is redriven and completes, and is no longer listed nor counted.
     */
    @Test
    void aDeadLetterIsListedAndRedrivenUntilItCompletes() throws Exception {
        Map<String, String> admin = Map.of("X-API-Key", "admin-key");
        deployment = deployment("queue.request_queue_name=admin-requests", "queue.dlq_name=admin-dlq",
                "queue.kafka.consumer_group=admin-workers", "queue.kafka.results_topic=admin-results",
                "server.auth.admin_keys=[\"admin-key\"]");
        RedisDeployment.Node failing = deployment.start("all", "worker.timeout_seconds=1");
        String id = failing.submit("{\"operation\": \"sleep\", \"ms\": 1500}");
        assertEquals("TIMEOUT", failing.json("/api/v1/response/" + id + "?wait=15").get("status").asText());
        JsonNode letters = RedisDeployment.JSON.readTree(failing.get("/api/v1/dead-letters", admin).body())
                .get("dead_letters");
        for (int i = 0; i < 100 && letters.isEmpty(); i++) {
            Thread.sleep(100);
            letters = RedisDeployment.JSON.readTree(failing.get("/api/v1/dead-letters", admin).body())
                    .get("dead_letters");
        }
        assertEquals(1, letters.size(), letters.toString());
        JsonNode letter = letters.get(0);
        assertEquals(id, letter.get("correlation_id").asText());
        assertTrue(letter.get("error").asText().contains("timeout"), letter.toString());
        assertEquals(200, failing.get("/api/v1/dead-letters/" + letter.get("id").asText(), admin).statusCode());
        failing.stop();

        RedisDeployment.Node fixed = deployment.start("all");
        HttpResponse<String> redriven = fixed.post("/api/v1/dead-letters/" + letter.get("id").asText() + "/redrive",
                "", admin);
        assertEquals(202, redriven.statusCode(), redriven.body());
        JsonNode done = fixed.json("/api/v1/response/" + id + "?wait=20");
        assertEquals("COMPLETED", done.get("status").asText(), done.toString());
        assertEquals(0, RedisDeployment.JSON.readTree(fixed.get("/api/v1/dead-letters", admin).body())
                .get("dead_letters").size());
        assertEquals(404, fixed.post("/api/v1/dead-letters/" + letter.get("id").asText() + "/redrive", "", admin)
                .statusCode(), "a dead letter is redriven once");
        JsonNode queue = RedisDeployment.JSON.readTree(fixed.get("/api/v1/queues", admin).body()).get("queues").get(0);
        assertEquals("kafka", queue.get("type").asText());
        assertEquals(0, queue.get("dead_letters").asLong());
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
        assertTrue(worker.log().contains("results topic openhqm-results read up to its end"),
                "the seed's configuration, without results.type, keeps results in the Kafka results topic");
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long committed = 0;
        while (committed < total && System.nanoTime() < deadline) {
            Thread.sleep(200);
            committed = committed("openhqm-workers", "events");
        }
        assertEquals(total, committed, "the group's offsets cover every record");
    }

    /**
     * A worker killed with SIGKILL mid-batch: a second worker completes every record (their results, in the results
     * topic, read through a listener started afterwards), reprocessing only those whose result
     * was not stored; the group's offsets (committed only past settled records) reach the end of the topic and nothing
     * is dead-lettered.
     */
    @Test
    void aWorkerKilledMidBatchLosesNothing() throws Exception {
        broker.createTopic("bridge", 3);
        int total = 60;
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            for (int i = 0; i < total; i++) {
                String body = i % 3 == 0 ? "{\"operation\": \"sleep\", \"ms\": 4000}"
                        : "{\"operation\": \"echo\", \"data\": " + i + "}";
                RecordMetadata sent = producer.send(new ProducerRecord<>("bridge",
                        ("k" + i).getBytes(StandardCharsets.UTF_8), body.getBytes(StandardCharsets.UTF_8))).get();
                ids.add("bridge-" + sent.partition() + "-" + sent.offset());
            }
        }
        deployment = deployment("queue.kafka.topics=[\"bridge\"]", "queue.kafka.consumer_group=bridge-workers",
                "queue.kafka.ordering=none", "queue.kafka.properties.\"session.timeout.ms\"=6000");
        RedisDeployment.Node doomed = deployment.start("worker", "worker.count=30");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (completions(doomed) < 20 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        Thread.sleep(1500); // a commit or two; the sleeping records are still in flight
        long before = completions(doomed);
        assertTrue(before >= 20 && before < total, "killed mid-batch after " + before + " completions");
        doomed.kill();

        RedisDeployment.Node survivor = deployment.start("worker", "worker.count=30");
        RedisDeployment.Node listener = deployment.start("listener");
        assertEquals(ids, listener.awaitCompleted(ids, Duration.ofSeconds(60)), "every record completed");
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (committed("bridge-workers", "bridge") < total && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(total, committed("bridge-workers", "bridge"), "every record settled");
        long after = completions(survivor);
        assertTrue(after > 0 && after <= total - before, "reprocessed only what had no result: " + after
                + " after " + before);
        try (Admin admin = broker.admin()) {
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            admin.describeTopics(List.of("openhqm-dlq")).allTopicNames().get().get("openhqm-dlq").partitions()
                    .forEach(p -> ends.put(new TopicPartition("openhqm-dlq", p.partition()), OffsetSpec.latest()));
            long deadLetters = admin.listOffsets(ends).all().get().values().stream().mapToLong(i -> i.offset()).sum();
            assertEquals(0, deadLetters, "nothing dead-lettered");
        }
    }

    /** The processing completions a process reports on {@code /metrics}. */
    private static long completions(RedisDeployment.Node node) throws Exception {
        Matcher m = Pattern
                .compile("openhqm_worker_processing_duration_seconds_count\\{status=\"completed\"} (\\d+)")
                .matcher(node.get("/metrics").body());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
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
        assertEquals(ids, server.awaitCompleted(ids, Duration.ofSeconds(30)));
        assertEquals(200, server.get("/health").statusCode());
        assertTrue(server.get("/metrics").body().contains("openhqm_queue_depth"), "depth gauge exported");
    }

    /**
     * {@code results.type = "kafka"} with listener and worker in separate processes: the listener answers a
     * {@code Prefer: wait} submission when the worker's result arrives on the results topic, and serves
     * {@code /api/v1/response}; a listener started later reads the same results from the topic.
     */
    @Test
    void aSeparateListenerServesResultsThatWorkersWroteToTheResultsTopic() throws Exception {
        deployment = deployment("results.type=kafka", "queue.kafka.results_topic=flow-results");
        RedisDeployment.Node listener = deployment.start("listener");
        RedisDeployment.Node worker = deployment.start("worker", "worker.count=4");

        HttpResponse<String> waited = listener.post("/api/v1/submit",
                "{\"payload\": {\"operation\": \"uppercase\", \"data\": \"hello\"}}", Map.of("Prefer", "wait=20"));
        assertEquals(200, waited.statusCode(), waited.body() + "\n" + worker.log());
        JsonNode done = RedisDeployment.JSON.readTree(waited.body());
        assertEquals("COMPLETED", done.get("status").asText(), done.toString());
        assertEquals("HELLO", done.get("result").get("output").asText());

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(listener.submit("{\"operation\": \"echo\", \"data\": " + i + "}"));
        }
        assertEquals(ids, listener.awaitCompleted(ids, Duration.ofSeconds(30)));
        JsonNode response = listener.json("/api/v1/response/" + ids.get(7));
        assertEquals(7, response.get("result").get("output").asInt(), response.toString());
        assertEquals(200, listener.get("/health").statusCode(), "results store and queue healthy");
        assertTrue(listener.log().contains("results topic flow-results read up to its end"), listener.log());

        RedisDeployment.Node late = deployment.start("listener");
        for (String id : ids) {
            assertEquals("COMPLETED", late.json("/api/v1/status/" + id).path("status").asText(), id);
        }
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
