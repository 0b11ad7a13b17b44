package io.openhqm.plugin.kafka;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.ResultStoreFactory;
import java.util.List;

/**
 * Creates {@link KafkaResultStore}s for {@code results.type = "kafka"} from the block {@code queue.kafka} (its
 * brokers, client properties and {@code results_topic}). The process reads the results topic once
 * ({@link ResultsTopic}, shared per configuration and TTL) and writes with the producer it shares with its queue.
 * Thread-safe.
 */
public final class KafkaResultStoreFactory implements ResultStoreFactory {

    @Override
    public String type() {
        return "kafka";
    }

    @Override
    public List<String> validate(PluginConfig config) {
        return KafkaConfig.problems(config);
    }

    @Override
    public ResultStore create(PluginConfig config, ResultSettings settings, PluginContext context) {
        KafkaClients clients = new KafkaClients(KafkaConfig.parse(config));
        ResultsTopic topic = context.shared(ResultsTopic.class, List.of(clients.config(), settings.ttl()),
                () -> new ResultsTopic(clients, clients.sharedProducer(context), settings.ttl(), context.clock(),
                        context.instanceId()));
        return new KafkaResultStore(topic);
    }
}
