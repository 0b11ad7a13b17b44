package io.openhqm.api;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;

/**
 * What the server hands every factory when it creates an adapter: shared services a plugin may use.
 * Thread-safe; valid for the life of the server.
 */
public interface PluginContext {

    /** The server's metrics registry; meters registered here appear on {@code /metrics}. */
    MeterRegistry meterRegistry();

    /** The clock to use for timestamps and TTLs (tests may supply a fixed one). */
    Clock clock();

    /** The server's home directory; relative paths in plugin config resolve against it. */
    Path home();

    /**
     * A name for this server process: unique among the live processes sharing a backend, and the same when
     * the process restarts on the same host with the same port ({@code host-port}; a random suffix when the
     * port is 0). Queue adapters use it as their consumer name and to reclaim, at startup, what this process
     * held when it died.
     */
    String instanceId();

    /** The SPI version the server implements, e.g. {@code "1.1"}. */
    default String spiVersion() {
        return Plugin.SPI_VERSION;
    }
}
