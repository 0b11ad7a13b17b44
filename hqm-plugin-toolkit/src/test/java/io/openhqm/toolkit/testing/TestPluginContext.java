package io.openhqm.toolkit.testing;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openhqm.api.PluginContext;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A {@link PluginContext} for plugin tests: a fresh meter registry, the system clock, a chosen instance id. One
 * instance stands for one server process: its {@link #shared} resources are those of that process, and
 * {@link #close()} closes them as the server does at shutdown (newest first). A test that simulates several
 * processes, or a restart, uses one context per process and closes it after that process's adapters.
 */
public final class TestPluginContext implements PluginContext, AutoCloseable {
    private record Key(Class<?> type, Object key) {
    }

    private final Path home;
    private final String instanceId;
    private final MeterRegistry meterRegistry;
    private final Clock clock;
    private final Map<Key, AutoCloseable> shared = new LinkedHashMap<>(); // in creation order; guarded by this
    private boolean closed; // guarded by this

    public TestPluginContext(Path home, String instanceId, MeterRegistry meterRegistry, Clock clock) {
        this.home = requireNonNull(home, "home is null");
        this.instanceId = requireNonNull(instanceId, "instanceId is null");
        this.meterRegistry = requireNonNull(meterRegistry, "meterRegistry is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public TestPluginContext(Path home, String instanceId) {
        this(home, instanceId, new SimpleMeterRegistry(), Clock.systemUTC());
    }

    /** With the working directory as home. */
    public TestPluginContext(String instanceId) {
        this(Path.of("."), instanceId);
    }

    @Override
    public Path home() {
        return home;
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    @Override
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public synchronized <T extends AutoCloseable> T shared(Class<T> type, Object key, Supplier<? extends T> create) {
        if (closed) {
            throw new IllegalStateException("the test process " + instanceId + " is closed");
        }
        Key k = new Key(type, key);
        AutoCloseable existing = shared.get(k);
        if (existing != null) {
            return type.cast(existing);
        }
        T resource = requireNonNull(create.get(), "create returned null");
        shared.put(k, resource);
        return resource;
    }

    /** Closes the shared resources, newest first, as the server does at shutdown. Idempotent. */
    @Override
    public void close() {
        List<AutoCloseable> newestFirst;
        synchronized (this) {
            closed = true;
            newestFirst = List.copyOf(shared.values()).reversed();
            shared.clear();
        }
        RuntimeException failure = null;
        for (AutoCloseable resource : newestFirst) {
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing a shared resource failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
