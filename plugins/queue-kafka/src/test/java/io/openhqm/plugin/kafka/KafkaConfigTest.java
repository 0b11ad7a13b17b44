package io.openhqm.plugin.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.queue.QueueSettings;
import io.openhqm.toolkit.testing.MapPluginConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaConfigTest {

    @Test
    void theSeedsBlockParsesWithDefaults() {
        KafkaConfig config = KafkaConfig.parse(MapPluginConfig.of("queue.kafka",
                "bootstrap_servers", List.of("kafka:9092"), "consumer_group", "openhqm-workers",
                "topics", List.of("events")));
        assertEquals(List.of("kafka:9092"), config.bootstrapServers());
        assertEquals(List.of("events"), config.topics(new QueueSettings("openhqm-requests", "openhqm-dlq")));
        assertEquals(KafkaConfig.Ordering.KEY, config.ordering());
        assertEquals("events.retry", config.retryTopic("events"));
        assertEquals(Duration.ofSeconds(1), config.commitInterval());
        assertEquals("openhqm-results", config.resultsTopic());
    }

    @Test
    void bootstrapServersMayBeACommaStringAndTopicsDefaultToTheRequestQueue() {
        KafkaConfig config = KafkaConfig.parse(MapPluginConfig.of("queue.kafka",
                "bootstrap_servers", "k1:9092, k2:9093", "ordering", "Partition"));
        assertEquals(List.of("k1:9092", "k2:9093"), config.bootstrapServers());
        assertEquals(List.of("openhqm-requests"), config.topics(new QueueSettings("openhqm-requests", "dlq")));
        assertEquals(KafkaConfig.Ordering.PARTITION, config.ordering());
        assertEquals("k1:9092,k2:9093", config.clientProperties().get("bootstrap.servers"));
    }

    @Test
    void validateNamesEveryBadKey() {
        MapPluginConfig bad = MapPluginConfig.of("queue.kafka",
                "bootstrap_servers", List.of("kafka"), "topics", List.of("bad topic"), "ordering", "random",
                "max_buffered", 0, "commit_interval", "1ms", "partitions", 0, "typo", 1, "results_topic", "a/b",
                "properties", Map.of("group.id", "x", "enable.auto.commit", "true"));
        List<String> problems = new KafkaQueueFactory().validate(bad);
        String all = String.join("\n", problems);
        for (String key : List.of("queue.kafka.typo: unknown key", "queue.kafka.bootstrap_servers: \"kafka\" is not"
                + " host:port", "queue.kafka.topics: \"bad topic\"", "queue.kafka.ordering: \"random\" is not an"
                + " ordering; use key, partition or none", "queue.kafka.max_buffered", "queue.kafka.commit_interval",
                "queue.kafka.partitions", "\"group.id\" cannot be set here: use queue.kafka.consumer_group",
                "\"enable.auto.commit\" cannot be set here",
                "queue.kafka.results_topic: \"a/b\" is not a Kafka topic name")) {
            assertTrue(all.contains(key), key + " in:\n" + all);
        }
        assertEquals(10, problems.size(), all);
        assertEquals(problems, new KafkaResultStoreFactory().validate(bad), "the result store checks the same block");
    }

    @Test
    void missingBootstrapServersIsAProblem() {
        List<String> problems = KafkaConfig.problems(MapPluginConfig.of("queue.kafka"));
        assertEquals(1, problems.size());
        assertTrue(problems.getFirst().startsWith("queue.kafka.bootstrap_servers: missing"), problems.toString());
    }

    @Test
    void nestedAndQuotedPropertiesPassThroughAndSecretsAreMasked() {
        KafkaConfig config = KafkaConfig.parse(MapPluginConfig.of("queue.kafka", "bootstrap_servers", "k:1",
                "properties", Map.of("security.protocol", "SASL_SSL",
                        "sasl", Map.of("jaas", Map.of("config", "secret-stuff")), "linger.ms", 20)));
        assertEquals("SASL_SSL", config.properties().get("security.protocol"));
        assertEquals("secret-stuff", config.properties().get("sasl.jaas.config"));
        assertEquals("20", config.properties().get("linger.ms"));
        assertFalse(config.toString().contains("secret-stuff"), config.toString());
        assertTrue(config.toString().contains("sasl.jaas.config=****"), config.toString());
    }
}
