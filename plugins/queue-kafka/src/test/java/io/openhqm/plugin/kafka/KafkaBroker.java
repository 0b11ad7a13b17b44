package io.openhqm.plugin.kafka;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node KRaft Kafka broker in this JVM (combined broker and controller), for tests: start one per test
 * class and close it after. Its listener is on 127.0.0.1, so a server process started by a test can reach it too.
 */
public final class KafkaBroker implements AutoCloseable {
    private final KafkaClusterTestKit cluster;
    private final long startMillis;
    private final TcpForwarder forwarder; // null when clients connect directly

    private KafkaBroker(KafkaClusterTestKit cluster, long startMillis, TcpForwarder forwarder) {
        this.cluster = cluster;
        this.startMillis = startMillis;
        this.forwarder = forwarder;
    }

    /** Formats and starts a broker and waits until it is ready. */
    public static KafkaBroker start() throws Exception {
        return start(null);
    }

    /**
     * A broker that clients reach only through a {@link TcpForwarder} (it advertises the forwarder's address), so a
     * test can cut the network to it ({@link #cut()}) and restore it ({@link #restore()}).
     */
    public static KafkaBroker startBehindForwarder() throws Exception {
        AtomicReference<KafkaClusterTestKit> started = new AtomicReference<>();
        TcpForwarder forwarder = TcpForwarder.start(() -> {
            KafkaClusterTestKit cluster = started.get();
            if (cluster == null) {
                return null;
            }
            String hostPort = cluster.bootstrapServers().split(",")[0];
            return new InetSocketAddress("127.0.0.1", Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':')
                    + 1)));
        });
        KafkaBroker broker = start(forwarder);
        started.set(broker.cluster);
        return broker;
    }

    private static KafkaBroker start(TcpForwarder forwarder) throws Exception {
        long started = System.nanoTime();
        TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1)
                .setNumControllerNodes(1).build();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
        if (forwarder != null) {
            builder.setConfigProp("advertised.listeners", nodes.brokerListenerName().value() + "://127.0.0.1:"
                    + forwarder.port());
        }
        KafkaClusterTestKit cluster = builder
                // Without these a single broker cannot create the internal topics and consumer groups hang.
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        return new KafkaBroker(cluster, (System.nanoTime() - started) / 1_000_000, forwarder);
    }

    /** Closes every client connection to the broker and refuses new ones (only {@link #startBehindForwarder}). */
    public void cut() {
        forwarder.cut();
    }

    /** Lets clients connect again after {@link #cut()}. */
    public void restore() {
        forwarder.restore();
    }

    /** How long {@link #start()} took, in milliseconds. */
    public long startMillis() {
        return startMillis;
    }

    /** {@code host:port} of the broker (of its forwarder, for {@link #startBehindForwarder}). */
    public String bootstrapServers() {
        return forwarder == null ? cluster.bootstrapServers() : "127.0.0.1:" + forwarder.port();
    }

    public Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", bootstrapServers()));
    }

    /** Creates {@code topic} with {@code partitions} partitions. */
    public void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    /** A plain producer of bytes, as any external system would use. */
    public KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The config of {@code queue.kafka} for this broker, with the given extra keys and values. */
    public Map<String, Object> queueConfig(Object... keysAndValues) {
        Map<String, Object> values = new HashMap<>();
        values.put("bootstrap_servers", List.of(bootstrapServers()));
        values.put("commit_interval", Duration.ofMillis(100));
        for (int i = 0; i < keysAndValues.length; i += 2) {
            values.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return values;
    }

    @Override
    public void close() throws Exception {
        cluster.close();
        if (forwarder != null) {
            forwarder.close();
        }
    }
}
