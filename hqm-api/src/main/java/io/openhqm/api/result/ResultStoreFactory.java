package io.openhqm.api.result;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import java.util.List;

/**
 * Creates {@link ResultStore}s of one type; selected by {@code results.type} (which defaults to
 * {@code queue.type}). Thread-safe.
 */
public interface ResultStoreFactory {

    /** The type name, e.g. {@code "redis"}. */
    String type();

    /**
     * Checks {@code config} without connecting to anything or creating anything, for {@code check-config}:
     * every problem as a sentence naming its full key; empty when valid. The default finds nothing, so problems
     * show when the adapter is created at startup.
     */
    default List<String> validate(PluginConfig config) {
        return List.of();
    }

    /**
     * Creates and connects a result store.
     *
     * @param config   the block {@code queue.<type>} (a store usually shares its backend with the queue)
     * @param settings the core result settings
     * @param context  server services
     */
    ResultStore create(PluginConfig config, ResultSettings settings, PluginContext context);
}
