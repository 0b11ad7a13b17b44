package io.openhqm.plugin.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.openhqm.api.Plugin;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class EmbeddedPluginTest {

    @Test
    void isFoundByTheServiceLoaderWithOneQueueAndOneResultStoreFactory() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class).stream().map(ServiceLoader.Provider::get).toList();
        assertEquals(1, plugins.size());
        Plugin plugin = assertInstanceOf(EmbeddedPlugin.class, plugins.getFirst());
        assertEquals(Plugin.SPI_VERSION, plugin.spiVersion());
        assertEquals("queue-embedded", plugin.name());
        assertEquals(List.of("embedded"), plugin.queueFactories().stream().map(f -> f.type()).toList());
        assertEquals(List.of("embedded"), plugin.resultStoreFactories().stream().map(f -> f.type()).toList());
        assertEquals(List.of(), plugin.processorFactories());
    }
}
