package io.openhqm.toolkit.testing;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openhqm.api.PluginContext;
import java.nio.file.Path;
import java.time.Clock;

/** A {@link PluginContext} for plugin tests: a fresh meter registry, the system clock, a chosen instance id. */
public record TestPluginContext(Path home, String instanceId, MeterRegistry meterRegistry, Clock clock)
        implements PluginContext {

    public TestPluginContext(Path home, String instanceId) {
        this(home, instanceId, new SimpleMeterRegistry(), Clock.systemUTC());
    }

    /** With the working directory as home. */
    public TestPluginContext(String instanceId) {
        this(Path.of("."), instanceId);
    }
}
