package io.openhqm.plugin.sample;

import io.openhqm.api.Plugin;
import io.openhqm.api.processing.ProcessorFactory;
import java.util.List;

/**
 * The demo plugin: one processor of type {@code "sample"} ({@code worker.processor = "sample"}), used by the
 * quick start and the tests. See {@link SampleProcessor} for the operations it understands.
 */
public final class SamplePlugin implements Plugin {

    @Override
    public String spiVersion() {
        return Plugin.SPI_VERSION;
    }

    @Override
    public String name() {
        return "processor-sample";
    }

    @Override
    public List<ProcessorFactory> processorFactories() {
        return List.of(new SampleProcessorFactory());
    }
}
