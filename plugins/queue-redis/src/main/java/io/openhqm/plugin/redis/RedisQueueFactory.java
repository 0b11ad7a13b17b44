package io.openhqm.plugin.redis;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueFactory;
import io.openhqm.api.queue.QueueSettings;
import java.util.List;

/** Creates {@link RedisQueue}s for {@code queue.type = "redis"} from the block {@code queue.redis}. Thread-safe. */
public final class RedisQueueFactory implements QueueFactory {

    @Override
    public List<String> validate(PluginConfig config) {
        return RedisConfig.problems(config);
    }

    @Override
    public String type() {
        return "redis";
    }

    @Override
    public Queue create(PluginConfig config, QueueSettings settings, PluginContext context) {
        return new RedisQueue(RedisBackend.of(RedisConfig.parse(config), context), settings, context);
    }
}
