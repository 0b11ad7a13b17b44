package io.openhqm.server.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the configuration comes from, as given on the command line and by the process environment.
 *
 * @param home        the installation (or working) directory; {@code conf/} and a relative {@code plugins.dir}
 *                    are resolved against it
 * @param configFiles the {@code --config} files, in command-line order (later wins)
 * @param envName     the {@code --env} name, which layers {@code <home>/conf/<name>.conf}
 * @param environment the process environment ({@code System.getenv()} in production); only
 *                    {@code OPENHQM_*__*} variables and explicit {@code ${VAR}} substitutions are read from it
 * @param sets        the {@code --set key=value} arguments, in command-line order (later wins)
 */
public record ConfigSources(Path home, List<Path> configFiles, Optional<String> envName,
                            Map<String, String> environment, List<String> sets) {

    public ConfigSources {
        requireNonNull(home, "home is null");
        configFiles = List.copyOf(requireNonNull(configFiles, "configFiles is null"));
        requireNonNull(envName, "envName is null");
        environment = Map.copyOf(requireNonNull(environment, "environment is null"));
        sets = List.copyOf(requireNonNull(sets, "sets is null"));
    }

    /** Only the built-in defaults and {@code <home>/conf/application.conf}: no files, no environment, no sets. */
    public static ConfigSources of(Path home) {
        return new ConfigSources(home, List.of(), Optional.empty(), Map.of(), List.of());
    }

    /** These sources with the real process environment. */
    public ConfigSources withSystemEnvironment() {
        return withEnvironment(System.getenv());
    }

    public ConfigSources withEnvironment(Map<String, String> newEnvironment) {
        return new ConfigSources(home, configFiles, envName, newEnvironment, sets);
    }

    /** These sources with one more environment variable (it replaces a variable of the same name). */
    public ConfigSources withEnvironmentVariable(String name, String value) {
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put(name, value);
        return withEnvironment(env);
    }

    /** These sources with one more {@code --config} file, layered above those already given. */
    public ConfigSources withConfigFile(Path file) {
        List<Path> files = new ArrayList<>(configFiles);
        files.add(file);
        return new ConfigSources(home, files, envName, environment, sets);
    }

    public ConfigSources withEnvName(String name) {
        return new ConfigSources(home, configFiles, Optional.of(name), environment, sets);
    }

    /** These sources with one more {@code --set key=value}, layered above those already given. */
    public ConfigSources withSet(String keyEqualsValue) {
        List<String> all = new ArrayList<>(sets);
        all.add(keyEqualsValue);
        return new ConfigSources(home, configFiles, envName, environment, all);
    }

    /** Hides the environment, which may hold secrets. */
    @Override
    public String toString() {
        return "ConfigSources[home=" + home + ", configFiles=" + configFiles + ", envName=" + envName
                + ", environment=<" + environment.size() + " variables>, sets=" + sets.size() + "]";
    }
}
