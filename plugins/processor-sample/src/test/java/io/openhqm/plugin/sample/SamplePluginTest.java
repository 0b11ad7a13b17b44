package io.openhqm.plugin.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.api.Plugin;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.processing.ProcessorFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplePluginTest {

    @Test
    void isFoundByServiceLoader() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof SamplePlugin)
                .toList();
        assertEquals(1, plugins.size());
        Plugin plugin = plugins.get(0);
        assertEquals(Plugin.SPI_VERSION, plugin.spiVersion());
        assertEquals("processor-sample", plugin.name());
        assertEquals(List.of("sample"), plugin.processorFactories().stream().map(ProcessorFactory::type).toList());
        assertEquals(List.of(), plugin.queueFactories());
    }

    @Test
    void createsProcessorFromEmptyBlock() {
        ProcessorFactory factory = new SamplePlugin().processorFactories().get(0);
        assertInstanceOf(SampleProcessor.class, factory.create(new MapConfig(Map.of()), new TestContext()));
    }

    @Test
    void rejectsEveryUnknownKey() {
        ProcessorFactory factory = new SampleProcessorFactory();
        HqmException e = assertThrows(HqmException.class,
                () -> factory.create(new MapConfig(Map.of("speed", 3, "colour", "red")), new TestContext()));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertEquals(List.of(
                "processors.sample.colour: unknown key; the sample processor takes no configuration"
                        + " (remove it, or leave processors.sample empty)",
                "processors.sample.speed: unknown key; the sample processor takes no configuration"
                        + " (remove it, or leave processors.sample empty)"), e.problems());
    }

    /** Just enough of a {@link PluginConfig} for the factory, which only looks at the keys. */
    private record MapConfig(Map<String, Object> values) implements PluginConfig {
        @Override
        public String path() {
            return "processors.sample";
        }

        @Override
        public Set<String> keys() {
            return values.keySet();
        }

        @Override
        public Optional<String> string(String key) {
            return Optional.ofNullable(values.get(key)).map(String::valueOf);
        }

        @Override
        public Optional<Integer> integer(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<Long> longValue(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<Boolean> bool(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<Duration> duration(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<Long> bytes(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<List<String>> stringList(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<PluginConfig> block(String key) {
            return Optional.empty();
        }

        @Override
        public Map<String, Object> asMap() {
            return values;
        }
    }

    private static final class TestContext implements PluginContext {
        private final MeterRegistry registry = new SimpleMeterRegistry();

        @Override
        public MeterRegistry meterRegistry() {
            return registry;
        }

        @Override
        public Clock clock() {
            return Clock.systemUTC();
        }

        @Override
        public Path home() {
            return Path.of(".");
        }

        @Override
        public String instanceId() {
            return "test";
        }
    }
}
