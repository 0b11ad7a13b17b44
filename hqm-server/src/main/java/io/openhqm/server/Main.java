package io.openhqm.server;

import io.openhqm.api.HqmException;
import io.openhqm.server.cli.CommandLine;
import io.openhqm.server.cli.CommandLine.Command;
import io.openhqm.server.config.ConfigLoader;
import io.openhqm.server.config.ConfigSources;
import io.openhqm.server.config.EffectiveConfig;
import io.openhqm.server.config.ServerConfig;
import io.openhqm.server.plugin.LoadedPlugin;
import io.openhqm.server.plugin.PluginLoader;
import io.openhqm.server.plugin.PluginRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/hqm-server}: parse the command line, load the configuration, set up logging, load plugins,
 * then run the command. Configuration problems are printed as one report and exit with status 1; wrong
 * arguments exit with status 2.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        int status = run(args, System.getenv(), System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        Path defaultHome = Path.of(System.getProperty("hqm.home", ".")).toAbsolutePath().normalize();
        CommandLine line;
        try {
            line = CommandLine.parse(args, defaultHome);
        } catch (IllegalArgumentException e) {
            err.println("hqm-server: " + e.getMessage() + ". Run hqm-server --help for usage.");
            return 2;
        }
        switch (line.command()) {
            case HELP -> {
                out.print(CommandLine.USAGE);
                return 0;
            }
            case VERSION -> {
                out.println("OpenHQM " + version());
                return 0;
            }
            default -> {
            }
        }
        EffectiveConfig effective;
        ServerConfig config;
        try {
            effective = new ConfigLoader().read(new ConfigSources(line.home(), line.configFiles(), line.env(),
                    environment, line.sets()));
            config = effective.serverConfig();
        } catch (HqmException e) {
            report(err, "the configuration is not valid", e.problems());
            return 1;
        }
        System.setProperty("hqm.log.format", config.monitoring().logFormat());
        System.setProperty("hqm.log.level", config.monitoring().logLevel());

        PluginRegistry registry;
        try {
            registry = new PluginRegistry(new PluginLoader(Main.class.getClassLoader())
                    .load(config.plugins().directory()));
        } catch (HqmException e) {
            report(err, "the plugins could not be loaded", e.problems());
            return 1;
        }
        try (registry) {
            return switch (line.command()) {
                case PLUGINS -> listPlugins(registry, config, out);
                case CHECK_CONFIG -> {
                    List<String> problems = Server.check(Command.CHECK_CONFIG, config, registry);
                    if (!problems.isEmpty()) {
                        report(err, "the configuration is not valid", problems);
                        yield 1;
                    }
                    out.println(effective.render());
                    yield 0;
                }
                default -> serve(line.command(), config, registry, line.home(), err);
            };
        }
    }

    private static int serve(Command command, ServerConfig config, PluginRegistry registry, Path home,
                             PrintStream err) {
        Logger log = LoggerFactory.getLogger(Main.class);
        Server server;
        try {
            server = Server.start(command, config, registry, home, version());
        } catch (HqmException e) {
            report(err, "the server could not start", e.problems());
            log.error("startup failed: {}", e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down");
            server.close();
            log.info("stopped");
            stopped.countDown();
        }, "hqm-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static int listPlugins(PluginRegistry registry, ServerConfig config, PrintStream out) {
        out.println("Plugins directory: " + config.plugins().directory());
        if (registry.plugins().isEmpty()) {
            out.println("No plugins found.");
        }
        for (LoadedPlugin plugin : registry.plugins()) {
            out.println();
            out.println(plugin.plugin().name() + " (SPI " + plugin.plugin().spiVersion() + ") from "
                    + plugin.origin());
            registry.provided().stream().filter(p -> p.plugin() == plugin)
                    .forEach(p -> out.println("  " + p.port() + ": " + p.type()));
            plugin.jars().forEach(jar -> out.println("  jar: " + jar.getFileName()));
        }
        return 0;
    }

    private static void report(PrintStream err, String what, List<String> problems) {
        if (problems.size() == 1) {
            err.println("hqm-server: " + what + ": " + problems.getFirst());
            return;
        }
        err.println("hqm-server: " + what + " (" + problems.size() + " problems):");
        problems.forEach(p -> err.println("  - " + p));
    }

    static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
