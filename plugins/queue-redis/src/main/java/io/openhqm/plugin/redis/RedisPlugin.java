package io.openhqm.plugin.redis;

import io.openhqm.api.Plugin;
import io.openhqm.api.queue.QueueFactory;
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
}
