package io.openhqm.plugin.embedded;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openhqm.api.PluginContext;
import java.nio.file.Path;
import java.time.Clock;

/** A {@link PluginContext} for tests: system clock, a temporary home, a chosen instance id. */
record TestContext(Path home, String instanceId, MeterRegistry meterRegistry, Clock clock) implements PluginContext {

    TestContext(Path home, String instanceId) {
        this(home, instanceId, new SimpleMeterRegistry(), Clock.systemUTC());
    }
}
