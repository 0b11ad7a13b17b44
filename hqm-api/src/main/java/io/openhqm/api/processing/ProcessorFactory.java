package io.openhqm.api.processing;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import java.util.List;

/**
 * Creates {@link Processor}s of one type; selected by {@code worker.processor}. Thread-safe.
 */
public interface ProcessorFactory {

    /** The value of {@code worker.processor} that selects this factory, e.g. {@code "sample"}. */
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
     * Creates the processor.
     *
     * @param config  the block {@code processors.<type>} (empty if absent); reject unknown keys
     * @param context server services
     */
    Processor create(PluginConfig config, PluginContext context);
}
