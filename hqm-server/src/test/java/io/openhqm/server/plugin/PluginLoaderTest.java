package io.openhqm.server.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openhqm.api.HqmException;
import io.openhqm.testing.TestJars;
import io.openhqm.api.Plugin;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.processing.Attempt;
import io.openhqm.api.processing.Outcome;
import io.openhqm.api.processing.Processor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loads real plugin jars, compiled at test time, through the real loader. */
class PluginLoaderTest {
    private static final String SERVICES = "META-INF/services/io.openhqm.api.Plugin";

    @TempDir
    static Path work;
    static Path libV1;
    static Path libV2;

    @BeforeAll
    static void buildLibraries() throws Exception {
        libV1 = TestJars.build(work.resolve("lib/greeting-1.jar"), Map.of("com.example.greeting.Greeting",
                "package com.example.greeting; public class Greeting { public static String version() { return \"1\"; } }"),
                Map.of(), List.of());
        libV2 = TestJars.build(work.resolve("lib/greeting-2.jar"), Map.of("com.example.greeting.Greeting",
                "package com.example.greeting; public class Greeting { public static String version() { return \"2\"; } }"),
                Map.of(), List.of());
    }

    /** A plugin providing processor {@code type} that reports the Greeting version, TCCL and isolation it sees. */
    private static Path plugin(Path folder, String type, String spiVersion, Path lib) throws Exception {
        String pkg = "com.example." + type;
        String source = """
                package %s;
                import io.openhqm.api.*;
                import io.openhqm.api.processing.*;
                import io.openhqm.api.result.Reply;
                import java.util.List;
                public class TestPlugin implements Plugin {
                    public String spiVersion() { return "%s"; }
                    public List<ProcessorFactory> processorFactories() {
                        return List.of(new ProcessorFactory() {
                            public String type() { return "%s"; }
                            public Processor create(PluginConfig config, PluginContext context) {
                                return (message, attempt) -> {
                                    boolean tccl = Thread.currentThread().getContextClassLoader()
                                            == TestPlugin.class.getClassLoader();
                                    boolean seesServer;
                                    try {
                                        Class.forName("com.typesafe.config.Config", false, TestPlugin.class.getClassLoader());
                                        seesServer = true;
                                    } catch (ClassNotFoundException e) {
                                        seesServer = false;
                                    }
                                    String body = com.example.greeting.Greeting.version() + "," + tccl + "," + seesServer;
                                    return new Outcome.Completed(Reply.json(body.getBytes()));
                                };
                            }
                        });
                    }
                }
                """.formatted(pkg, spiVersion, type);
        Path api = TestJars.locationOf(Plugin.class);
        TestJars.build(folder.resolve(type + "-plugin.jar"), Map.of(pkg + ".TestPlugin", source),
                Map.of(SERVICES, pkg + ".TestPlugin\n"), List.of(api, lib));
        Files.copy(lib, folder.resolve(lib.getFileName()));
        return folder;
    }

    private static String run(Processor processor) throws Exception {
        Message message = new Message("id-1", new byte[0], "application/json", Map.of(),
                MessageMetadata.defaults(Instant.now()));
        Outcome outcome = processor.process(message, new Attempt(1, Instant.now().plusSeconds(5)));
        return new String(((Outcome.Completed) outcome).reply().body(), StandardCharsets.UTF_8);
    }

    private static ServerPluginContext context() {
        return new ServerPluginContext(new SimpleMeterRegistry(), Clock.systemUTC(), work, "test",
                new SharedResources());
    }

    private static PluginConfig emptyConfig() {
        return io.openhqm.server.config.TypesafePluginConfig.empty("processors.test");
    }

    private static PluginLoader loader() {
        return new PluginLoader(PluginLoaderTest.class.getClassLoader());
    }

    @Test
    void twoPluginsWithDifferentVersionsOfOneLibraryBothWork() throws Exception {
        Path plugins = work.resolve("two-versions");
        plugin(plugins.resolve("alpha"), "alpha", Plugin.SPI_VERSION, libV1);
        plugin(plugins.resolve("beta"), "beta", Plugin.SPI_VERSION, libV2);

        PluginRegistry registry = new PluginRegistry(loader().load(plugins));

        assertEquals("1,true,false", run(registry.createProcessor("alpha", emptyConfig(), context())));
        assertEquals("2,true,false", run(registry.createProcessor("beta", emptyConfig(), context())));
        LoadedPlugin alpha = registry.plugins().stream().filter(p -> p.source() != null
                && p.source().endsWith("alpha")).findFirst().orElseThrow();
        assertEquals(List.of("alpha-plugin.jar", "greeting-1.jar"),
                alpha.jars().stream().map(j -> j.getFileName().toString()).toList());
    }

    @Test
    void closingTheRegistryClosesThePluginFoldersLoaders() throws Exception {
        Path plugins = work.resolve("closing");
        plugin(plugins.resolve("alpha"), "alpha", Plugin.SPI_VERSION, libV1);
        PluginRegistry registry = new PluginRegistry(loader().load(plugins));
        ClassLoader alpha = registry.plugins().stream().filter(p -> p.source() != null).findFirst().orElseThrow()
                .loader();
        assertTrue(alpha.getResource("META-INF/services/io.openhqm.api.Plugin") != null);

        registry.close();

        assertEquals(null, alpha.getResource("META-INF/services/io.openhqm.api.Plugin"), "its jars are closed");
    }

    @Test
    void aFolderWithoutProviderFailsNamingFolderAndJars() throws Exception {
        Path plugins = work.resolve("no-provider");
        Files.createDirectories(plugins.resolve("empty-one"));
        Files.copy(libV1, plugins.resolve("empty-one/greeting-1.jar"));

        HqmException e = assertThrows(HqmException.class, () -> loader().load(plugins));

        assertTrue(e.getMessage().contains("empty-one") && e.getMessage().contains("greeting-1.jar")
                && e.getMessage().contains("no io.openhqm.api.Plugin provider"), e.getMessage());
    }

    @Test
    void aDuplicateTypeFailsNamingBothFolders() throws Exception {
        Path plugins = work.resolve("duplicate");
        plugin(plugins.resolve("first"), "same", Plugin.SPI_VERSION, libV1);
        plugin(plugins.resolve("second"), "same", Plugin.SPI_VERSION, libV2);

        List<LoadedPlugin> loaded = loader().load(plugins);
        HqmException e = assertThrows(HqmException.class, () -> new PluginRegistry(loaded));

        assertTrue(e.getMessage().contains("processor type \"same\" is provided twice")
                && e.getMessage().contains("first") && e.getMessage().contains("second"), e.getMessage());
    }

    @Test
    void aPluginBuiltAgainstAnIncompatibleSpiFails() throws Exception {
        Path plugins = work.resolve("incompatible");
        plugin(plugins.resolve("future"), "future", "2.0", libV1);

        HqmException e = assertThrows(HqmException.class, () -> loader().load(plugins));

        assertTrue(e.getMessage().contains("built against SPI 2.0") && e.getMessage().contains("future-plugin.jar"),
                e.getMessage());
    }

    @Test
    void anUnknownTypeNamesTheKeyAndWhatIsAvailable() throws Exception {
        Path plugins = work.resolve("unknown-type");
        plugin(plugins.resolve("gamma"), "gamma", Plugin.SPI_VERSION, libV1);
        PluginRegistry registry = new PluginRegistry(loader().load(plugins));

        HqmException e = assertThrows(HqmException.class,
                () -> registry.createProcessor("delta", emptyConfig(), context()));

        assertTrue(e.getMessage().startsWith("worker.processor: no plugin provides processor type \"delta\"")
                && e.getMessage().contains("gamma"), e.getMessage());
    }

    @Test
    void spiVersionCompatibility() {
        assertTrue(SpiVersion.compatible("1.0", "1.0"));
        assertTrue(SpiVersion.compatible("1.0", "1.3"));
        assertTrue(!SpiVersion.compatible("1.4", "1.3"));
        assertTrue(!SpiVersion.compatible("2.0", "1.0"));
        assertTrue(!SpiVersion.compatible(null, "1.0"));
        assertTrue(!SpiVersion.compatible("x", "1.0"));
    }
}
