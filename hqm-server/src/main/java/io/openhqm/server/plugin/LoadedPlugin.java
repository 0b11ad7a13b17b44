package io.openhqm.server.plugin;

import io.openhqm.api.Plugin;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A plugin found at startup.
 *
 * @param plugin the provider instance
 * @param source the plugin folder, or {@code null} for a plugin found on the server's own class path
 * @param jars   the jars of the folder (empty for class-path plugins)
 * @param loader the class loader its code runs with
 */
public record LoadedPlugin(Plugin plugin, Path source, List<Path> jars, ClassLoader loader) {
    public LoadedPlugin {
        Objects.requireNonNull(plugin, "plugin is null");
        jars = List.copyOf(jars);
        Objects.requireNonNull(loader, "loader is null");
    }

    /** Where it came from, for messages: the folder, or "class path". */
    public String origin() {
        return source == null ? "class path" : source.toString();
    }
}
