package io.openhqm.server.plugin;

import io.openhqm.api.HqmException;
import io.openhqm.api.Plugin;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds plugins: every sub-folder of the plugins directory is one plugin with its own
 * {@link PluginClassLoader}; its {@link Plugin} providers are found with {@link ServiceLoader} and kept only
 * if defined by that loader. Plugins on the server's own class path (embedding, tests) are found too.
 */
public final class PluginLoader {
    private static final Logger LOG = LoggerFactory.getLogger(PluginLoader.class);
    private static final List<String> MUST_NOT_BUNDLE = List.of("hqm-api", "slf4j-api", "logback-classic",
            "logback-core", "micrometer-core");

    private final ClassLoader serverLoader;

    public PluginLoader(ClassLoader serverLoader) {
        this.serverLoader = serverLoader;
    }

    /**
     * Loads the class-path plugins and those in {@code directory} (which may be absent).
     *
     * @throws HqmException of kind CONFIG listing every folder that could not be loaded
     */
    public List<LoadedPlugin> load(Path directory) {
        List<LoadedPlugin> found = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Plugin plugin : ServiceLoader.load(Plugin.class, serverLoader)) {
            checkVersion(plugin, "class path", List.of(), problems);
            found.add(new LoadedPlugin(plugin, null, List.of(), serverLoader));
        }
        if (directory != null && Files.isDirectory(directory)) {
            for (Path folder : list(directory, Files::isDirectory)) {
                loadFolder(folder, found, problems);
            }
        }
        if (!problems.isEmpty()) {
            throw new HqmException(problems);
        }
        return List.copyOf(found);
    }

    private void loadFolder(Path folder, List<LoadedPlugin> found, List<String> problems) {
        List<Path> jars = list(folder, p -> p.getFileName().toString().endsWith(".jar"));
        if (jars.isEmpty()) {
            problems.add("plugin folder " + folder + " contains no jar; put the plugin's jar and its dependencies"
                    + " there, or remove the folder.");
            return;
        }
        for (Path jar : jars) {
            String name = jar.getFileName().toString();
            if (MUST_NOT_BUNDLE.stream().anyMatch(name::startsWith)) {
                LOG.warn("plugin folder {} bundles {}; the server provides it, so the bundled copy is ignored."
                        + " Declare it with <scope>provided</scope>.", folder, name);
            }
        }
        PluginClassLoader loader = new PluginClassLoader(folder.getFileName().toString(), toUrls(jars), serverLoader);
        List<Plugin> plugins = new ArrayList<>();
        try {
            ContextClassLoader.run(loader, () -> ServiceLoader.load(Plugin.class, loader).stream()
                    .filter(provider -> provider.type().getClassLoader() == loader)
                    .forEach(provider -> plugins.add(provider.get())));
        } catch (RuntimeException | LinkageError e) {
            problems.add("plugin folder " + folder + " could not be loaded (" + e + "); jars: " + names(jars) + ".");
            return;
        }
        if (plugins.isEmpty()) {
            problems.add("plugin folder " + folder + " has no io.openhqm.api.Plugin provider"
                    + " (META-INF/services/io.openhqm.api.Plugin); jars: " + names(jars) + ".");
            return;
        }
        for (Plugin plugin : plugins) {
            if (checkVersion(plugin, folder.toString(), jars, problems)) {
                found.add(new LoadedPlugin(plugin, folder, jars, loader));
            }
        }
    }

    private static boolean checkVersion(Plugin plugin, String origin, List<Path> jars, List<String> problems) {
        String version;
        try {
            version = plugin.spiVersion();
        } catch (AbstractMethodError e) {
            version = null;
        }
        if (!SpiVersion.compatible(version, Plugin.SPI_VERSION)) {
            problems.add("plugin " + plugin.getClass().getName() + " in " + origin + " was built against SPI "
                    + version + " but this server implements SPI " + Plugin.SPI_VERSION
                    + "; rebuild it against hqm-api " + Plugin.SPI_VERSION
                    + (jars.isEmpty() ? "" : " (jars: " + names(jars) + ")") + ".");
            return false;
        }
        return true;
    }

    private static List<Path> list(Path directory, java.util.function.Predicate<Path> filter) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(filter).sorted().toList();
        } catch (IOException e) {
            throw HqmException.config("plugins.dir: cannot read " + directory + ": " + e.getMessage());
        }
    }

    private static List<URL> toUrls(List<Path> jars) {
        List<URL> urls = new ArrayList<>();
        for (Path jar : jars) {
            try {
                urls.add(jar.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalStateException(e);
            }
        }
        return urls;
    }

    static String names(List<Path> jars) {
        return String.join(", ", jars.stream().map(j -> j.getFileName().toString()).toList());
    }
}
