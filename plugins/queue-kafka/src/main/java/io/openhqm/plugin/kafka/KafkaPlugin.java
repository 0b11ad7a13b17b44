package io.openhqm.plugin.kafka;

import io.openhqm.api.Plugin;
import io.openhqm.api.queue.QueueFactory;
import java.util.List;

/**
 * The Kafka plugin: {@code queue.type = "kafka"} gives a queue on Kafka topics configured by the block
 * {@code queue.kafka}. It has no result store yet: use {@code results.type = "embedded"} or {@code "redis"}.
 */
public final class KafkaPlugin implements Plugin {

    @Override
    public String spiVersion() {
        return Plugin.SPI_VERSION;
    }

    @Override
    public String name() {
        return "queue-kafka";
    }

    @Override
    public List<QueueFactory> queueFactories() {
        return List.of(new KafkaQueueFactory());
    }
}
