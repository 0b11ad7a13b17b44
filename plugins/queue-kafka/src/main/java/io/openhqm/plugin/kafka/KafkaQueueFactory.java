package io.openhqm.plugin.kafka;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueFactory;
import io.openhqm.api.queue.QueueSettings;
import java.util.List;

/** Creates {@link KafkaQueue}s for {@code queue.type = "kafka"} from the block {@code queue.kafka}. Thread-safe. */
public final class KafkaQueueFactory implements QueueFactory {

    @Override
    public String type() {
        return "kafka";
    }

    @Override
    public List<String> validate(PluginConfig config) {
        return KafkaConfig.problems(config);
    }

    @Override
    public Queue create(PluginConfig config, QueueSettings settings, PluginContext context) {
        return new KafkaQueue(KafkaConfig.parse(config), settings, context);
    }
}
