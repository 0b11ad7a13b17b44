package io.openhqm.api;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * What the server hands every factory when it creates an adapter: shared services a plugin may use, and the
 * resources its adapters share ({@link #shared}). Thread-safe; valid for the life of the server.
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

    /**
     * The resource of {@code type} for {@code key} that all adapters this plugin creates in this server run share
     * (e.g. one connection pool or database for a plugin's queue and result store): created by {@code create} on the
     * first call, the same instance for every later call with an equal {@code key} (by {@code equals}). Resources
     * are scoped per plugin: another plugin never sees them, and a server run (a process) starts with none.
     *
     * <p>Lifecycle: the server closes them at shutdown, or when startup fails, after every adapter is closed and
     * before the plugin's class loader is, in reverse order of creation (a resource created inside another's
     * {@code create} is closed after it). An adapter therefore never closes a shared resource; failures to close
     * are logged.
     *
     * <p>Thread-safe: {@code create} runs at most once per key, with the plugin's class loader as the thread
     * context class loader; concurrent callers wait for it. If it throws, nothing is kept and the exception
     * propagates, so a later call tries again. Calling this after shutdown began throws
     * {@link IllegalStateException}.
     *
     * <p>The default, for contexts written against SPI 1.0 (test fakes), throws
     * {@link UnsupportedOperationException}; the server implements it since 1.1.
     *
     * @param type   the resource's class; keys of different types never collide
     * @param key    what identifies one resource among those of {@code type}, e.g. the parsed configuration
     * @param create makes the resource; must not return {@code null}
     * @param <T>    the resource type
     * @return the shared instance
     * @since 1.1
     */
    default <T extends AutoCloseable> T shared(Class<T> type, Object key, Supplier<? extends T> create) {
        throw new UnsupportedOperationException(getClass().getName() + " does not share resources between adapters"
                + " (PluginContext.shared is new in SPI 1.1)");
    }

    /** The SPI version the server implements, e.g. {@code "1.1"}. */
    default String spiVersion() {
        return Plugin.SPI_VERSION;
    }
}
