package io.openhqm.plugin.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.api.Plugin;
import io.openhqm.api.queue.QueueFactory;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.result.ResultStoreFactory;
import io.openhqm.toolkit.testing.MapPluginConfig;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class RedisPluginTest {

    @Test
    void isFoundByServiceLoaderAndProvidesTypeRedis() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof RedisPlugin).toList();
        assertEquals(1, plugins.size());
        Plugin plugin = plugins.get(0);
        assertEquals(Plugin.SPI_VERSION, plugin.spiVersion());
        assertEquals("queue-redis", plugin.name());
        assertEquals(List.of("redis"), plugin.queueFactories().stream().map(QueueFactory::type).toList());
        assertEquals(List.of("redis"), plugin.resultStoreFactories().stream().map(ResultStoreFactory::type).toList());
    }

    @Test
    void anUnreachableServerIsATransientFailureWithoutCredentials() {
        HqmException e = assertThrows(HqmException.class, () -> new RedisQueueFactory().create(
                MapPluginConfig.of("queue.redis", "url", "redis://app:topsecret@127.0.0.1:1", "connect_timeout", "500ms"),
                new QueueSettings("q", "d"), new TestPluginContext("h")));
        assertEquals(ErrorKind.TRANSIENT, e.kind());
        assertTrue(e.getMessage().contains("redis://127.0.0.1:1"), e.getMessage());
        assertTrue(!e.getMessage().contains("topsecret"), e.getMessage());
    }

    @Test
    void badConfigurationFailsBeforeConnecting() {
        HqmException e = assertThrows(HqmException.class, () -> new RedisResultStoreFactory().create(
                MapPluginConfig.of("queue.redis", "url", "http://x", "consumer_group", ""), new io.openhqm.api.result.ResultSettings(
                        java.time.Duration.ofSeconds(1)), new TestPluginContext("h")));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertEquals(2, e.problems().size(), e.problems().toString());
    }
}
