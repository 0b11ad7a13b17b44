package io.openhqm.server.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openhqm.api.HqmException;
import io.openhqm.api.Plugin;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueFactory;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.server.config.TypesafePluginConfig;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SharedResourcesTest {
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final LoadedPlugin alpha = plugin("alpha");
    private final LoadedPlugin beta = plugin("beta");
    private final SharedResources resources = new SharedResources();

    /** A resource that records when it is closed and which context class loader it was closed with. */
    private final class Resource implements AutoCloseable {
        final String name;

        Resource(String name) {
            this.name = name;
            events.add("create " + name);
        }

        @Override
        public void close() {
            events.add("close " + name + " with " + Thread.currentThread().getContextClassLoader().getName());
            if (name.startsWith("failing")) {
                throw new IllegalStateException("cannot close " + name);
            }
        }
    }

    private static LoadedPlugin plugin(String name) {
        Plugin plugin = () -> Plugin.SPI_VERSION;
        return new LoadedPlugin(plugin, Path.of(name), List.of(),
                new URLClassLoader(name, new URL[0], SharedResourcesTest.class.getClassLoader()));
    }

    private Resource get(LoadedPlugin plugin, Object key) {
        return resources.get(plugin, Resource.class, key, () -> new Resource(plugin.source() + "/" + key));
    }

    @Test
    void anEqualKeyGetsTheSameInstanceCreatedOnce() {
        Resource first = get(alpha, List.of("redis://x", 1));
        assertSame(first, get(alpha, List.of("redis://x", 1)));
        assertNotSame(first, get(alpha, List.of("redis://y", 1)));
        assertEquals(List.of("create alpha/[redis://x, 1]", "create alpha/[redis://y, 1]"), events);
    }

    @Test
    void pluginsAndTypesDoNotShare() {
        Resource own = get(alpha, "db");
        assertNotSame(own, get(beta, "db"));
        AutoCloseable other = resources.get(alpha, AutoCloseable.class, "db", () -> () -> events.add("close lambda"));
        assertNotSame(own, other);
    }

    @Test
    void closesInReverseCreationOrderWithThePluginsLoaderDespiteFailuresAndOnlyOnce() {
        get(alpha, "first");
        get(beta, "failing");
        resources.get(alpha, Resource.class, "outer",
                () -> new Resource("outer of " + get(alpha, "inner").name));
        events.clear();

        resources.close();
        resources.close();

        assertEquals(List.of("close outer of alpha/inner with alpha", "close alpha/inner with alpha",
                "close beta/failing with beta", "close alpha/first with alpha"), events);
        IllegalStateException late = assertThrows(IllegalStateException.class, () -> get(alpha, "late"));
        assertEquals("the server is shutting down: no shared Resource can be created for alpha", late.getMessage());
    }

    @Test
    void aFailedCreateKeepsNothingAndIsTriedAgain() {
        AtomicInteger attempts = new AtomicInteger();
        assertThrows(HqmException.class, () -> resources.get(alpha, Resource.class, "k", () -> {
            attempts.incrementAndGet();
            throw HqmException.transientFailure("backend down", null);
        }));
        Resource created = resources.get(alpha, Resource.class, "k", () -> {
            attempts.incrementAndGet();
            return new Resource("k");
        });
        assertSame(created, get(alpha, "k"));
        assertEquals(2, attempts.get());
    }

    @Test
    void whatAFactoryCreatedBeforeItFailedIsClosedWithTheRunsResources() {
        QueueFactory failing = new QueueFactory() {
            @Override
            public String type() {
                return "failing";
            }

            @Override
            public Queue create(PluginConfig config, QueueSettings settings, PluginContext context) {
                context.shared(Resource.class, "connection", () -> new Resource("connection"));
                throw HqmException.config("queue.failing.x: unknown key");
            }
        };
        Plugin plugin = new Plugin() {
            @Override
            public String spiVersion() {
                return Plugin.SPI_VERSION;
            }

            @Override
            public List<QueueFactory> queueFactories() {
                return List.of(failing);
            }
        };
        LoadedPlugin loaded = new LoadedPlugin(plugin, Path.of("failing"), List.of(), alpha.loader());
        PluginRegistry registry = new PluginRegistry(List.of(loaded));
        var context = new ServerPluginContext(new SimpleMeterRegistry(), Clock.systemUTC(), Path.of("."), "test",
                resources);

        assertThrows(HqmException.class, () -> registry.createQueue("failing",
                TypesafePluginConfig.empty("queue.failing"), new QueueSettings("q", "dlq"), context));
        assertEquals(List.of("create connection"), events);
        assertThrows(IllegalStateException.class, () -> context.shared(Resource.class, "x", () -> new Resource("x")),
                "the server's own context is not bound to a plugin");

        resources.close();
        assertEquals(List.of("create connection", "close connection with alpha"), events);
    }
}
