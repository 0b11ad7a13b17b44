package io.openhqm.server.plugin;

import io.micrometer.core.instrument.MeterRegistry;
import io.openhqm.api.PluginContext;
import java.nio.file.Path;
import java.time.Clock;

/** The {@link PluginContext} the server hands to factories. */
public record ServerPluginContext(MeterRegistry meterRegistry, Clock clock, Path home, String instanceId)
        implements PluginContext {
}
