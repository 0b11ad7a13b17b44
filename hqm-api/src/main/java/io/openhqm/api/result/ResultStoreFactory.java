package io.openhqm.api.result;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;

/**
 * Creates {@link ResultStore}s of one type; selected by {@code results.type} (which defaults to
 * {@code queue.type}). Thread-safe.
 */
public interface ResultStoreFactory {

    /** The type name, e.g. {@code "redis"}. */
    String type();

    /**
     * Creates and connects a result store.
     *
     * @param config   the block {@code queue.<type>} (a store usually shares its backend with the queue)
     * @param settings the core result settings
     * @param context  server services
     */
    ResultStore create(PluginConfig config, ResultSettings settings, PluginContext context);
}
