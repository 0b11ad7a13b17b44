package io.openhqm.api.queue;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import java.util.List;

/**
 * Creates {@link Queue}s of one type. One factory per type per server; selected by {@code queue.type}.
 * Thread-safe.
 */
public interface QueueFactory {

    /** The value of {@code queue.type} that selects this factory, e.g. {@code "redis"}. */
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
     * Creates and connects a queue.
     *
     * @param config   the block {@code queue.<type>}; the factory rejects unknown keys in it
     * @param settings the core queue settings
     * @param context  server services
     * @throws io.openhqm.api.HqmException of kind CONFIG naming every bad key, or TRANSIENT if the
     *                                     backend cannot be reached yet
     */
    Queue create(PluginConfig config, QueueSettings settings, PluginContext context);
}
