package io.openhqm.plugin.kafka;

import io.openhqm.api.HqmException;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.toolkit.ConfigProblems;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The block {@code queue.kafka}, parsed once and checked as a whole: every problem is reported in one
 * {@link HqmException} naming the full key. {@link #toString()} masks the values of secret client properties.
 *
 * @param bootstrapServers  {@code host:port} of the brokers to bootstrap from
 * @param consumerGroup     the classic consumer group of the worker pool
 * @param topics            the topics the workers consume, or empty for {@code [queue.request_queue_name]}
 * @param ordering          which records must be processed one at a time, in offset order
 * @param properties        client properties passed to producer, consumer and admin client as they are
 * @param retrySuffix       appended to a topic's name to name its retry topic
 * @param maxBuffered       records a consumer holds fetched but unsettled before it pauses its partitions
 * @param commitInterval    how often settled offsets are committed
 * @param requestTimeout    how long a publish, a settle's produce or an admin call may take before it fails
 * @param createTopics      whether missing topics (request, retry, dead-letter) are created at start
 * @param partitions        the partition count of topics this plugin creates
 * @param resultsTopic      the compacted topic of the result store ({@code results.type = "kafka"})
 */
record KafkaConfig(List<String> bootstrapServers, String consumerGroup, List<String> topics, Ordering ordering,
                   Map<String, String> properties, String retrySuffix, int maxBuffered, Duration commitInterval,
                   Duration requestTimeout, boolean createTopics, int partitions, String resultsTopic) {

    /** Which records of a partition the engine runs one at a time ({@code queue.kafka.ordering}). */
    enum Ordering {
        /** Records with the same key, in offset order; records without a key in parallel. */
        KEY,
        /** All records of a partition, in offset order. */
        PARTITION,
        /** No order: any record may run alongside any other. */
        NONE
    }

    static final String DEFAULT_GROUP = "openhqm-workers";
    static final Set<String> KEYS = Set.of("bootstrap_servers", "consumer_group", "topics", "ordering", "properties",
            "retry_topic_suffix", "max_buffered", "commit_interval", "request_timeout", "create_topics",
            "partitions", "results_topic");
    /** Client properties this plugin sets itself; each has a key of {@code queue.kafka} or no choice at all. */
    static final Map<String, String> OWN_PROPERTIES = Map.of(
            "bootstrap.servers", "use queue.kafka.bootstrap_servers",
            "group.id", "use queue.kafka.consumer_group",
            "enable.auto.commit", "offsets are committed by the plugin once records are settled",
            "key.serializer", "records are written as bytes",
            "value.serializer", "records are written as bytes",
            "key.deserializer", "records are read as bytes",
            "value.deserializer", "records are read as bytes");

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:.]+]|[^\\s:/\\[\\]]+):\\d{1,5}");
    private static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|jaas|token|credential|\\.key$).*");
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    KafkaConfig {
        bootstrapServers = List.copyOf(bootstrapServers);
        topics = List.copyOf(topics);
        properties = Map.copyOf(properties);
    }

    /** Parses and checks the block; throws one CONFIG exception naming every problem. */
    static KafkaConfig parse(PluginConfig config) {
        ConfigProblems problems = new ConfigProblems(config);
        problems.unknownKeys(KEYS, "queue.kafka takes " + String.join(", ", KEYS.stream().sorted().toList())
                + " (client properties go into queue.kafka.properties)");

        List<String> servers = problems.read("bootstrap_servers", config::stringList).orElse(null);
        if (servers == null) {
            if (!config.has("bootstrap_servers")) {
                problems.add("bootstrap_servers", "missing; set the brokers to bootstrap from, e.g."
                        + " queue.kafka.bootstrap_servers = [\"kafka:9092\"]");
            }
            servers = List.of();
        } else {
            servers = servers.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
            if (servers.isEmpty()) {
                problems.add("bootstrap_servers", "is empty; name at least one broker as host:port");
            }
            for (String server : servers) {
                if (!HOST_PORT.matcher(server).matches()) {
                    problems.add("bootstrap_servers", "\"" + server + "\" is not host:port (e.g. kafka:9092)");
                }
            }
        }
        String group = problems.read("consumer_group", config::string).orElse(DEFAULT_GROUP).trim();
        if (group.isEmpty()) {
            problems.add("consumer_group", "must not be empty");
        }
        List<String> topics = problems.read("topics", config::stringList).orElse(List.of()).stream()
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (config.has("topics") && topics.isEmpty()) {
            problems.add("topics", "is empty; name the topics to consume, or remove the key to consume"
                    + " queue.request_queue_name");
        }
        for (String topic : topics) {
            if (!TOPIC.matcher(topic).matches()) {
                problems.add("topics", "\"" + topic + "\" is not a Kafka topic name (letters, digits, '.', '_', '-')");
            }
        }
        Ordering ordering = Ordering.KEY;
        Optional<String> order = problems.read("ordering", config::string);
        if (order.isPresent()) {
            try {
                ordering = Ordering.valueOf(order.get().trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add("ordering", "\"" + order.get() + "\" is not an ordering; use key, partition or none");
            }
        }
        Map<String, String> properties = new TreeMap<>();
        try {
            config.block("properties").ifPresent(block -> flatten("", block.asMap(), properties));
        } catch (HqmException e) {
            problems.add("properties", "must be an object of client properties, e.g. properties {"
                    + " \"security.protocol\" = \"SASL_SSL\" }");
        }
        for (String name : properties.keySet()) {
            String why = OWN_PROPERTIES.get(name);
            if (why != null) {
                problems.add("properties", "\"" + name + "\" cannot be set here: " + why);
            }
        }
        String suffix = problems.read("retry_topic_suffix", config::string).orElse(".retry");
        if (suffix.isEmpty() || !TOPIC.matcher(suffix).matches()) {
            problems.add("retry_topic_suffix", "\"" + suffix + "\" is not a topic name suffix (letters, digits,"
                    + " '.', '_', '-')");
        }
        int maxBuffered = problems.read("max_buffered", config::integer).orElse(1000);
        if (maxBuffered < 1) {
            problems.add("max_buffered", maxBuffered + " is too small (at least 1)");
        }
        Duration commitInterval = problems.read("commit_interval", config::duration).orElse(Duration.ofSeconds(1));
        atLeast(problems, "commit_interval", commitInterval, Duration.ofMillis(10));
        Duration requestTimeout = problems.read("request_timeout", config::duration).orElse(Duration.ofSeconds(5));
        atLeast(problems, "request_timeout", requestTimeout, Duration.ofMillis(500));
        boolean createTopics = problems.read("create_topics", config::bool).orElse(true);
        int partitions = problems.read("partitions", config::integer).orElse(3);
        if (partitions < 1) {
            problems.add("partitions", partitions + " is too small (at least 1)");
        }
        String resultsTopic = problems.read("results_topic", config::string).orElse("openhqm-results").trim();
        if (!TOPIC.matcher(resultsTopic).matches()) {
            problems.add("results_topic", "\"" + resultsTopic + "\" is not a Kafka topic name (letters, digits, '.',"
                    + " '_', '-')");
        }

        problems.throwIfAny();
        return new KafkaConfig(servers, group, topics, ordering, properties, suffix, maxBuffered, commitInterval,
                requestTimeout, createTopics, partitions, resultsTopic);
    }

    /** What {@link #parse} would reject in {@code config}, as sentences naming each key; empty if valid. */
    static List<String> problems(PluginConfig config) {
        return ConfigProblems.of(() -> parse(config));
    }

    /** The topics the workers consume: {@code topics}, or the request queue. */
    List<String> topics(QueueSettings settings) {
        return topics.isEmpty() ? List.of(settings.requestQueueName()) : topics;
    }

    /** The retry topic of {@code topic}. */
    String retryTopic(String topic) {
        return topic + retrySuffix;
    }

    /** The client properties every client gets: bootstrap servers and the user's properties. */
    Map<String, Object> clientProperties() {
        Map<String, Object> props = new LinkedHashMap<>(properties);
        props.put("bootstrap.servers", String.join(",", bootstrapServers));
        return props;
    }

    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        properties.forEach((k, v) -> shown.put(k, SECRET.matcher(k).matches() ? "****" : v));
        return "KafkaConfig[" + String.join(",", bootstrapServers) + ", group " + consumerGroup
                + (topics.isEmpty() ? "" : ", topics " + topics) + ", ordering " + ordering.name().toLowerCase(Locale.ROOT)
                + (shown.isEmpty() ? "" : ", properties " + shown) + "]";
    }

    private static void flatten(String prefix, Map<String, Object> map, Map<String, String> out) {
        map.forEach((key, value) -> {
            if (value instanceof Map<?, ?> nested) {
                @SuppressWarnings("unchecked")
                Map<String, Object> inner = (Map<String, Object>) nested;
                flatten(prefix + key + ".", inner, out);
            } else if (value instanceof List<?> list) {
                out.put(prefix + key, String.join(",", list.stream().map(String::valueOf).toList()));
            } else if (value != null) {
                out.put(prefix + key, String.valueOf(value));
            }
        });
    }

    private static void atLeast(ConfigProblems problems, String key, Duration value, Duration min) {
        if (value.compareTo(min) < 0) {
            problems.add(key, value.toMillis() + " ms is too short (at least " + min.toMillis() + " ms)");
        }
    }
}
