package io.openhqm.plugin.redis;

import io.openhqm.api.Plugin;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueFactory;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.ResultStoreFactory;
import java.util.List;

/**
 * The Redis plugin: {@code queue.type = "redis"} gives a Redis Streams queue and (unless {@code results.type} says
 * otherwise) a Redis result store, both configured by the block {@code queue.redis} and sharing one connection.
 */
public final class RedisPlugin implements Plugin {

    @Override
    public String spiVersion() {
        return Plugin.SPI_VERSION;
    }

    @Override
    public String name() {
        return "queue-redis";
    }

    @Override
    public List<QueueFactory> queueFactories() {
        return List.of(new RedisQueueFactory());
    }

    @Override
    public List<ResultStoreFactory> resultStoreFactories() {
        return List.of(new RedisResultStoreFactory());
    }

    /** Creates {@link RedisQueue}s. */
    public static final class RedisQueueFactory implements QueueFactory {
        @Override
        public String type() {
            return "redis";
        }

        @Override
        public Queue create(PluginConfig config, QueueSettings settings, PluginContext context) {
            RedisBackend backend = RedisBackend.acquire(RedisConfig.parse(config));
            try {
                return new RedisQueue(backend, settings, context);
            } catch (RuntimeException e) {
                backend.release();
                throw e;
            }
        }
    }

    /** Creates {@link RedisResultStore}s. */
    public static final class RedisResultStoreFactory implements ResultStoreFactory {
        @Override
        public String type() {
            return "redis";
        }

        @Override
        public ResultStore create(PluginConfig config, ResultSettings settings, PluginContext context) {
            RedisBackend backend = RedisBackend.acquire(RedisConfig.parse(config));
            return new RedisResultStore(backend, settings.ttl());
        }
    }
}
