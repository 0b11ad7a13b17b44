package io.openhqm.plugin.kafka;

import io.openhqm.api.Plugin;
import io.openhqm.api.queue.QueueFactory;
import io.openhqm.api.result.ResultStoreFactory;
import java.util.List;

/**
 * The Kafka plugin: {@code queue.type = "kafka"} gives a queue on Kafka topics configured by the block
 * {@code queue.kafka}, and (unless {@code results.type} says otherwise) a result store on a compacted results topic
 * that every process reads, configured by the same block and sharing the process's producer.
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

    @Override
    public List<ResultStoreFactory> resultStoreFactories() {
        return List.of(new KafkaResultStoreFactory());
    }
}
