package io.openhqm.plugin.kafka;

import io.openhqm.api.HqmException;
import io.openhqm.api.PluginContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Creates this plugin's Kafka clients from a {@link KafkaConfig}, each with the plugin's class loader as the thread
 * context class loader (kafka-clients resolves class names, e.g. SASL login modules, through it, and its threads
 * inherit it), and turns Kafka failures into {@link HqmException}s. Stateless and thread-safe.
 */
final class KafkaClients {
    private final KafkaConfig config;

    KafkaClients(KafkaConfig config) {
        this.config = config;
    }

    KafkaConfig config() {
        return config;
    }

    /** An idempotent producer ({@code acks=all}) whose sends fail within about {@code request_timeout}. */
    KafkaProducer<byte[], byte[]> producer(String clientId) {
        return producer(clientId, null);
    }

    /**
     * Like {@link #producer(String)}, transactional with {@code transactionalId} when it is not {@code null} (the
     * caller runs {@code initTransactions}).
     */
    KafkaProducer<byte[], byte[]> producer(String clientId, String transactionalId) {
        int timeoutMs = (int) config.requestTimeout().toMillis();
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        props.putAll(config.clientProperties());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        if (transactionalId != null) {
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        int linger = Integer.parseInt(props.get(ProducerConfig.LINGER_MS_CONFIG).toString());
        int request = Integer.parseInt(props.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG).toString());
        props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, linger + request);
        return withPluginLoader(() -> new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /** This process's one producer for {@code config} ({@link PluginContext#shared}), closed by the server. */
    KafkaProducer<byte[], byte[]> sharedProducer(PluginContext context) {
        return context.shared(SharedProducer.class, config,
                () -> new SharedProducer(producer(context.instanceId() + "-producer"))).producer();
    }

    private record SharedProducer(KafkaProducer<byte[], byte[]> producer) implements AutoCloseable {
        @Override
        public void close() {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** A consumer of the pool's group that never commits by itself and starts a new group at the earliest offset. */
    KafkaConsumer<byte[], byte[]> consumer(String clientId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(500, config.maxBuffered()));
        // Incremental rebalancing: a member joining or leaving moves only the partitions that change owner, so the
        // others' records in flight are not dropped and processed again.
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, List.of(CooperativeStickyAssignor.class));
        props.putAll(config.clientProperties());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.consumerGroup());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A redrive writes its record in a transaction (KafkaDeadLetterBrowser): an aborted one must never be read.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return withPluginLoader(() -> new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer()));
    }

    /**
     * A consumer outside any group that reads committed records only, for reading a topic by assigned partitions
     * (dead letters and their state, results).
     */
    KafkaConsumer<byte[], byte[]> reader(String clientId) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.putIfAbsent(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // a reader never creates a topic
        props.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
        props.putIfAbsent(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
        return withPluginLoader(() -> new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer()));
    }

    /** An admin client whose calls time out after {@code request_timeout}. */
    Admin admin(String clientId) {
        int timeoutMs = (int) config.requestTimeout().toMillis();
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        props.putAll(config.clientProperties());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        return withPluginLoader(() -> Admin.create(props));
    }

    /** Waits for {@code future} at most {@code request_timeout}; failures become {@link HqmException}s. */
    <T> T await(Future<T> future, String what) {
        return await(future, what, deadline());
    }

    /** The {@link System#nanoTime()} after {@code request_timeout} from now, for several waits under one bound. */
    long deadline() {
        return System.nanoTime() + config.requestTimeout().toNanos();
    }

    /** Waits for {@code future} until {@code deadlineNanos}; failures become {@link HqmException}s. */
    <T> T await(Future<T> future, String what, long deadlineNanos) {
        try {
            return future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HqmException.transientFailure("interrupted while " + what, e);
        } catch (ExecutionException e) {
            throw failure(what, e.getCause());
        } catch (TimeoutException e) {
            future.cancel(true);
            throw HqmException.transientFailure(what + " failed: Kafka (" + servers() + ") did not answer within "
                    + config.requestTimeout().toMillis() + " ms", e);
        }
    }

    /** A Kafka failure as an {@link HqmException}: INPUT for a record Kafka will never take, else TRANSIENT. */
    HqmException failure(String what, Throwable cause) {
        if (cause instanceof HqmException e) {
            return e;
        }
        String detail = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (cause instanceof RecordTooLargeException || cause instanceof InvalidTopicException) {
            return new HqmException(io.openhqm.api.ErrorKind.INPUT, what + " failed: " + detail, cause);
        }
        return HqmException.transientFailure(what + " failed (Kafka at " + servers() + "): " + detail, cause);
    }

    String servers() {
        return String.join(",", config.bootstrapServers());
    }

    /** Runs {@code create} with this plugin's class loader as the thread context class loader. */
    static <T> T withPluginLoader(Supplier<T> create) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(KafkaClients.class.getClassLoader());
        try {
            return create.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
