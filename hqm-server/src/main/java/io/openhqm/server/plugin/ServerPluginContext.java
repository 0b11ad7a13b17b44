package io.openhqm.server.plugin;

import io.micrometer.core.instrument.MeterRegistry;
import io.openhqm.api.PluginContext;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * The {@link PluginContext} the server hands to factories: the server's services and, once bound to the plugin
 * whose factory is called ({@link PluginRegistry} does), that plugin's scope of {@link SharedResources}.
 *
 * @param plugin the plugin whose adapters this context serves; {@code null} until bound by {@link #forPlugin}
 */
public record ServerPluginContext(MeterRegistry meterRegistry, Clock clock, Path home, String instanceId,
                                  SharedResources resources, LoadedPlugin plugin) implements PluginContext {

    /** The services of one server run, not yet bound to a plugin. */
    public ServerPluginContext(MeterRegistry meterRegistry, Clock clock, Path home, String instanceId,
                               SharedResources resources) {
        this(meterRegistry, clock, home, instanceId, resources, null);
    }

    ServerPluginContext forPlugin(LoadedPlugin owner) {
        return new ServerPluginContext(meterRegistry, clock, home, instanceId, resources, owner);
    }

    @Override
    public <T extends AutoCloseable> T shared(Class<T> type, Object key, Supplier<? extends T> create) {
        if (plugin == null) {
            throw new IllegalStateException("this context is not bound to a plugin");
        }
        return resources.get(plugin, type, key, create);
    }
}
