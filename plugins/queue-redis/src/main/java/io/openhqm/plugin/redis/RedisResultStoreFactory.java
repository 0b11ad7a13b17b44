package io.openhqm.plugin.redis;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.ResultStoreFactory;
import java.util.List;

/**
 * Creates {@link RedisResultStore}s for {@code results.type = "redis"} from the block {@code queue.redis}; a store
 * and a queue of the same process and settings share one connection ({@link RedisBackend#of}). Thread-safe.
 */
public final class RedisResultStoreFactory implements ResultStoreFactory {

    @Override
    public List<String> validate(PluginConfig config) {
        return RedisConfig.problems(config);
    }

    @Override
    public String type() {
        return "redis";
    }

    @Override
    public ResultStore create(PluginConfig config, ResultSettings settings, PluginContext context) {
        return new RedisResultStore(RedisBackend.of(RedisConfig.parse(config), context), settings.ttl());
    }
}
