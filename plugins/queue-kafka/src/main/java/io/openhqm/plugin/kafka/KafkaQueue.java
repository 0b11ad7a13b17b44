package io.openhqm.plugin.kafka;

import io.openhqm.api.Health;
import io.openhqm.api.HqmException;
import io.openhqm.api.PluginContext;
import io.openhqm.api.message.Message;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueSettings;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue on Kafka topics. {@link #publish} writes a record to {@code queue.request_queue_name} ({@link RecordFormat})
 * with the process's idempotent producer (shared with the result store) and completes once the broker acknowledged
 * it ({@code acks=all}). The worker pool, the classic consumer group {@code queue.kafka.consumer_group}, consumes {@code queue.kafka.topics} (default:
 * the request topic) and each topic's retry topic ({@code <topic>.retry}) through {@link KafkaQueueConsumer}s; dead
 * letters go to the topic {@code queue.dlq_name}. With {@code create_topics} (the default) missing topics are created
 * at start.
 *
 * <p>Thread-safe.
 */
final class KafkaQueue implements Queue {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaQueue.class);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(2);

    private final KafkaClients clients;
    private final KafkaConfig config;
    private final QueueSettings settings;
    private final Clock clock;
    private final String instanceId;
    private final List<String> topics;
    private final Map<String, String> retryTopics; // consumed topic → its retry topic
    private final Set<String> retryTopicNames;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Admin admin;
    private final KafkaDeadLetterBrowser deadLetters;
    private final Set<KafkaQueueConsumer> consumers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger consumerCount = new AtomicInteger();
    private volatile boolean topicsReady;

    KafkaQueue(KafkaConfig config, QueueSettings settings, PluginContext context) {
        this.clients = new KafkaClients(config);
        this.config = config;
        this.settings = settings;
        this.clock = context.clock();
        this.instanceId = context.instanceId();
        this.topics = config.topics(settings);
        Map<String, String> retry = new HashMap<>();
        topics.forEach(topic -> retry.put(topic, config.retryTopic(topic)));
        this.retryTopics = Map.copyOf(retry);
        this.retryTopicNames = Set.copyOf(retry.values());
        this.producer = clients.sharedProducer(context);
        this.admin = clients.admin(instanceId + "-admin");
        this.deadLetters = new KafkaDeadLetterBrowser(clients, admin, settings.deadLetterQueueName(), instanceId,
                this::retryTopicOf);
        ensureTopics();
        LOG.info("Kafka queue: publishing to {}, group {} consuming {} (ordering {}), dead letters to {}, at {}",
                settings.requestQueueName(), config.consumerGroup(), topics, config.ordering(),
                settings.deadLetterQueueName(), clients.servers());
    }

    KafkaConfig config() {
        return config;
    }

    KafkaClients clients() {
        return clients;
    }

    Clock clock() {
        return clock;
    }

    /** The topics the pool consumes: its topics and their retry topics. */
    List<String> consumedTopics() {
        List<String> all = new ArrayList<>(topics);
        topics.forEach(topic -> all.add(retryTopics.get(topic)));
        return all;
    }

    boolean isRetryTopic(String topic) {
        return retryTopicNames.contains(topic);
    }

    /** Where a record of {@code topic} goes to be retried: its retry topic (a retry topic's is itself). */
    String retryTopicOf(String topic) {
        if (retryTopicNames.contains(topic)) {
            return topic;
        }
        return retryTopics.getOrDefault(topic, config.retryTopic(topic));
    }

    String deadLetterTopic() {
        return settings.deadLetterQueueName();
    }

    /**
     * Creates the request topic, the consumed topics, their retry topics, the dead-letter topic and its compacted
     * state topic ({@link KafkaDeadLetterBrowser}) where missing
     * ({@code create_topics}); a failure is logged, not fatal (the topics may exist already, or be created by
     * the broker on first use).
     */
    private void ensureTopics() {
        if (!config.createTopics() || topicsReady) {
            return;
        }
        Set<String> wanted = new LinkedHashSet<>();
        wanted.add(settings.requestQueueName());
        wanted.addAll(consumedTopics());
        wanted.add(settings.deadLetterQueueName());
        List<NewTopic> create = new ArrayList<>(wanted.stream()
                .map(name -> new NewTopic(name, Optional.of(config.partitions()), Optional.empty())).toList());
        String stateTopic = KafkaDeadLetterBrowser.stateTopic(settings.deadLetterQueueName());
        wanted.add(stateTopic);
        create.add(new NewTopic(stateTopic, Optional.of(config.partitions()), Optional.empty())
                .configs(Map.of("cleanup.policy", "compact")));
        try {
            Map<String, KafkaFuture<Void>> results = admin.createTopics(create).values();
            long deadline = clients.deadline();
            for (Map.Entry<String, KafkaFuture<Void>> e : results.entrySet()) {
                try {
                    e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    LOG.info("created topic {} with {} partition(s)", e.getKey(), config.partitions());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw ex;
                    }
                }
            }
            topicsReady = true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("could not create the topics {} ({}); create them yourself or let the broker create them",
                    wanted, e.getMessage());
        }
    }

    @Override
    public CompletionStage<Void> publish(Message message) {
        String what = "queueing message " + message.correlationId();
        String key = message.metadata().partitionKey();
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(settings.requestQueueName(), null,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), message.body(),
                RecordFormat.encode(message));
        CompletableFuture<Void> sent = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, e) -> {
                if (e == null) {
                    sent.complete(null);
                } else {
                    sent.completeExceptionally(clients.failure(what, e));
                }
            });
        } catch (KafkaException | IllegalStateException e) {
            sent.completeExceptionally(clients.failure(what, e));
        }
        return sent;
    }

    /** Writes {@code record} and waits until the broker acknowledged it. */
    void send(ProducerRecord<byte[], byte[]> record, String what) {
        try {
            clients.await(producer.send(record), what);
        } catch (KafkaException | IllegalStateException e) {
            throw clients.failure(what, e);
        }
    }

    @Override
    public QueueConsumer consumer(String name) {
        ensureTopics();
        String clientId = instanceId + "-" + name + (consumerCount.incrementAndGet() > 1 ? "-" + consumerCount.get()
                : "");
        KafkaQueueConsumer consumer = new KafkaQueueConsumer(this, clientId);
        consumers.add(consumer);
        return consumer;
    }

    void closed(KafkaQueueConsumer consumer) {
        consumers.remove(consumer);
    }

    /**
     * The consumer group's lag: for every partition of the consumed topics and their retry topics, the end offset
     * minus the group's committed offset (the start offset where the group has none), summed. Records fetched and
     * not yet settled count as waiting until their offsets are committed.
     */
    @Override
    public long depth() {
        long deadline = clients.deadline();
        List<String> consumed = consumedTopics();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(consumed).topicNameValues();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> e : described.entrySet()) {
            TopicDescription description;
            try {
                description = clients.await(e.getValue(), "describing topic " + e.getKey(), deadline);
            } catch (HqmException ex) {
                if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
                    continue;
                }
                throw ex;
            }
            description.partitions().forEach(p -> latest.put(new TopicPartition(e.getKey(), p.partition()),
                    OffsetSpec.latest()));
        }
        if (latest.isEmpty()) {
            return 0;
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = clients.await(
                admin.listOffsets(latest).all(), "reading end offsets", deadline);
        Map<TopicPartition, OffsetAndMetadata> committed = clients.await(
                admin.listConsumerGroupOffsets(config.consumerGroup()).partitionsToOffsetAndMetadata(),
                "reading the offsets of group " + config.consumerGroup(), deadline);
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        latest.keySet().stream().filter(tp -> committed.get(tp) == null).forEach(tp -> earliest.put(tp,
                OffsetSpec.earliest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = earliest.isEmpty() ? Map.of()
                : clients.await(admin.listOffsets(earliest).all(), "reading start offsets", deadline);
        long lag = 0;
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : ends.entrySet()) {
            OffsetAndMetadata done = committed.get(e.getKey());
            long from = done != null ? done.offset() : starts.get(e.getKey()).offset();
            lag += Math.max(0, e.getValue().offset() - from);
        }
        return lag;
    }

    @Override
    public Health health() {
        try {
            int brokers = admin.describeCluster().nodes().get(HEALTH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .size();
            return Health.up(brokers + " broker(s) reachable at " + clients.servers());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.down("interrupted");
        } catch (ExecutionException e) {
            return Health.down("Kafka at " + clients.servers() + " is unreachable: " + e.getCause().getMessage());
        } catch (java.util.concurrent.TimeoutException e) {
            return Health.down("Kafka at " + clients.servers() + " did not answer within "
                    + HEALTH_TIMEOUT.toMillis() + " ms");
        }
    }

    @Override
    public Optional<DeadLetterBrowser> deadLetterBrowser() {
        return Optional.of(deadLetters);
    }

    @Override
    public void close() {
        for (KafkaQueueConsumer consumer : List.copyOf(consumers)) {
            consumer.close();
        }
        deadLetters.close();
        admin.close(Duration.ofSeconds(5));
    }
}
