package io.openhqm.api.processing;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;

/**
 * Creates {@link Processor}s of one type; selected by {@code worker.processor}. Thread-safe.
 */
public interface ProcessorFactory {

    /** The value of {@code worker.processor} that selects this factory, e.g. {@code "sample"}. */
    String type();

    /**
     * Creates the processor.
     *
     * @param config  the block {@code processors.<type>} (empty if absent); reject unknown keys
     * @param context server services
     */
    Processor create(PluginConfig config, PluginContext context);
}
