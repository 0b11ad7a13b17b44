package io.openhqm.server.plugin;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resources plugins share between their adapters during one server run ({@code PluginContext.shared}), one
 * scope per plugin. {@link #close()} closes them in reverse order of creation, each with its plugin's class loader
 * as context class loader: call it after every adapter is closed and before the plugins' class loaders are.
 */
public final class SharedResources implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedResources.class);

    private record Key(LoadedPlugin plugin, Class<?> type, Object key) {
    }

    private record Created(LoadedPlugin plugin, AutoCloseable resource) {
    }

    private final Map<Key, AutoCloseable> byKey = new HashMap<>(); // guarded by this
    private final List<Created> created = new ArrayList<>(); // guarded by this
    private boolean closed; // guarded by this

    /** The resource of {@code plugin}, {@code type} and {@code key}, created by {@code create} on first use. */
    synchronized <T extends AutoCloseable> T get(LoadedPlugin plugin, Class<T> type, Object key,
                                                 Supplier<? extends T> create) {
        Key k = new Key(requireNonNull(plugin, "plugin is null"), requireNonNull(type, "type is null"),
                requireNonNull(key, "key is null"));
        requireNonNull(create, "create is null");
        if (closed) {
            throw new IllegalStateException("the server is shutting down: no shared " + type.getSimpleName()
                    + " can be created for " + plugin.origin());
        }
        AutoCloseable existing = byKey.get(k);
        if (existing != null) {
            return type.cast(existing);
        }
        T resource = ContextClassLoader.call(plugin.loader(), create::get);
        requireNonNull(resource, () -> "creating a shared " + type.getName() + " returned null");
        byKey.put(k, type.cast(resource));
        created.add(new Created(plugin, resource));
        return resource;
    }

    /** Closes every resource, the newest first; failures are logged. Later {@link #get}s fail. */
    @Override
    public void close() {
        List<Created> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(created);
            created.clear();
            byKey.clear();
        }
        for (Created c : all.reversed()) {
            try {
                ContextClassLoader.call(c.plugin().loader(), () -> {
                    c.resource().close();
                    return null;
                });
            } catch (Exception | LinkageError e) {
                LOG.warn("closing the shared {} of {} failed: {}", c.resource().getClass().getSimpleName(),
                        c.plugin().origin(), e.toString());
            }
        }
    }
}
