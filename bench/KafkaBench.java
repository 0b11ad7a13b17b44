import io.undertow.Undertow;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka side of bench/kafka.sh, run as a single-file program on the broker's Maven classpath:
 *
 * <pre>
 * produce BOOTSTRAP TOPIC WARMUP_SECONDS SECONDS   creates TOPIC with 3 partitions (the plugin's default) if it is
 *                                                  missing, then measures a kafka-producer-perf-test-style
 *                                                  ceiling: one producer with the queue-kafka plugin's settings
 *                                                  (acks=all, idempotent, linger.ms=5) sends 1 KiB records without a bound (send() blocks only when
 *                                                  buffer.memory is full), keyless, as fast as the broker acknowledges;
 *                                                  prints "records/s N errors E" over SECONDS after the warm-up
 * truncate BOOTSTRAP TOPIC                         deletes every record of TOPIC (log start = end), so the server's
 *                                                  consumer group, starting at the earliest offset, sees none of them
 * forward BOOTSTRAP TOPIC PORT                     a minimal HTTP to Kafka forwarder with no OpenHQM in it, until
 *                                                  killed: Undertow on 127.0.0.1:PORT reads each request's body and
 *                                                  sends it as one keyless record with the same producer settings,
 *                                                  answering 202 with a small JSON body once the broker acknowledged
 *                                                  it (503 when the send failed)
 * </pre>
 */
public final class KafkaBench {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "produce" -> produce(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "truncate" -> truncate(args[1], args[2]);
            case "forward" -> forward(args[1], args[2], Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    private static void produce(String bootstrap, String topic, int warmupSeconds, int seconds) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            if (!admin.listTopics().names().get().contains(topic)) {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
            }
        }
        byte[] value = new byte[1024];
        Arrays.fill(value, (byte) 'x');
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        KafkaProducer<byte[], byte[]> producer = producer(bootstrap);
        long start = System.nanoTime();
        long measureFrom = start + warmupSeconds * 1_000_000_000L;
        long measureTo = measureFrom + seconds * 1_000_000_000L;
        long countedFrom = -1;
        long countedFromNanos = 0;
        long now;
        while ((now = System.nanoTime()) < measureTo) {
            if (countedFrom < 0 && now >= measureFrom) {
                countedFrom = acknowledged.get();
                countedFromNanos = now;
            }
            producer.send(new ProducerRecord<>(topic, value), (metadata, e) -> {
                if (e == null) {
                    acknowledged.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                }
            });
        }
        long countedTo = acknowledged.get();
        double elapsed = (System.nanoTime() - countedFromNanos) / 1e9;
        System.out.printf("records/s %.0f errors %d%n", (countedTo - countedFrom) / elapsed, errors.get());
        producer.close(Duration.ZERO); // the records still buffered are not part of the figure
    }

    /** A producer with the queue-kafka plugin's settings. */
    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void forward(String bootstrap, String topic, int port) throws InterruptedException {
        KafkaProducer<byte[], byte[]> producer = producer(bootstrap);
        Undertow server = Undertow.builder().addHttpListener(port, "127.0.0.1").setHandler(exchange ->
                exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
                    String id = UUID.randomUUID().toString();
                    producer.send(new ProducerRecord<>(topic, body), (metadata, e) -> ex.getIoThread().execute(() -> {
                        ex.setStatusCode(e == null ? StatusCodes.ACCEPTED : StatusCodes.SERVICE_UNAVAILABLE);
                        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                        ex.getResponseSender().send("{\"correlation_id\":\"" + id + "\",\"status\":\""
                                + (e == null ? "PENDING" : "ERROR") + "\"}", StandardCharsets.UTF_8);
                    }));
                })).build();
        server.start();
        System.out.println("forwarding 127.0.0.1:" + port + " to " + topic);
        new CountDownLatch(1).await(); // until killed
    }

    private static void truncate(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()),
                    OffsetSpec.latest()));
            Map<TopicPartition, RecordsToDelete> all = new HashMap<>();
            admin.listOffsets(latest).all().get()
                    .forEach((p, end) -> all.put(p, RecordsToDelete.beforeOffset(end.offset())));
            admin.deleteRecords(all).all().get();
        }
    }
}
