package io.openhqm.plugin.sample;

import io.openhqm.api.HqmException;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.processing.Processor;
import io.openhqm.api.processing.ProcessorFactory;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Creates {@link SampleProcessor}s. The block {@code processors.sample} takes no keys; any key in it is
 * reported as unknown. Thread-safe (stateless).
 */
public final class SampleProcessorFactory implements ProcessorFactory {

    /** The value of {@code worker.processor} that selects this processor. */
    public static final String TYPE = "sample";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public List<String> validate(PluginConfig config) {
        Objects.requireNonNull(config, "config is null");
        return config.unknownKeys(Set.of()).stream()
                .map(key -> key + ": unknown key; the sample processor takes no configuration"
                        + " (remove it, or leave " + config.path() + " empty)")
                .toList();
    }

    @Override
    public Processor create(PluginConfig config, PluginContext context) {
        List<String> problems = validate(config);
        if (!problems.isEmpty()) {
            throw new HqmException(problems);
        }
        return new SampleProcessor();
    }
}
