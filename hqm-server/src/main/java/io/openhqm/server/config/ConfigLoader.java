package io.openhqm.server.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.openhqm.api.HqmException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the server configuration from its layers, later winning:
 * built-in defaults ({@code reference.conf}) &lt; {@code <home>/conf/application.conf} (optional) &lt;
 * {@code <home>/conf/<env>.conf} (required when {@code --env} is given) &lt; each {@code --config} file in
 * order ({@code .conf} HOCON, {@code .yaml}/{@code .yml} YAML, {@code .json}) &lt; {@code OPENHQM_*}
 * environment variables &lt; {@code --set key=value}. Substitutions ({@code ${?API_TOKEN}}) are resolved last,
 * against the configuration itself and then the given environment map; no other environment variable enters
 * the configuration.
 *
 * <p>Every failure is an {@link HqmException} of kind CONFIG listing all problems found, one sentence each.
 * The loader never logs (logging is configured from its result). Stateless and thread-safe.
 */
public final class ConfigLoader {
    static final String ENV_PREFIX = "OPENHQM_";
    static final String ORIGIN_ENV = "environment variable ";
    static final String ORIGIN_SET = "--set ";
    static final String ORIGIN_SUBSTITUTION = "the environment (substituted)";

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{\\??[^}]*}");
    private static final Pattern HINT = Pattern.compile("\\s*\\(if you (intended|want) .*\\)\\s*$");
    private static final Pattern KEY_WITH_TEXT = Pattern.compile("Key '(\\S+)\\s[^']*'");
    private static final ConfigResolveOptions RESOLVE = ConfigResolveOptions.defaults().setUseSystemEnvironment(false);

    private final Schema schema;

    public ConfigLoader() {
        this.schema = new Schema(loadReference());
    }

    public static ConfigLoader create() {
        return new ConfigLoader();
    }

    /**
     * Loads, validates and returns the configuration.
     *
     * @throws HqmException CONFIG listing every problem: unreadable or missing files, syntax errors, unset
     *                      variables, unknown keys, wrong types and bad values
     */
    public ServerConfig load(ConfigSources sources) {
        return read(sources).serverConfig();
    }

    /**
     * Reads and merges all layers without validating them, so {@code check-config} can print the effective
     * configuration and then its problems.
     *
     * @throws HqmException CONFIG if a layer cannot be read (a missing or unreadable file, a syntax error, an
     *                      unset variable), listing those problems and any in {@code OPENHQM_*} variables and
     *                      {@code --set} arguments; other problems are in {@link EffectiveConfig#problems()}
     */
    public EffectiveConfig read(ConfigSources sources) {
        requireNonNull(sources, "sources is null");
        List<String> problems = new ArrayList<>();
        List<String> overrideProblems = new ArrayList<>();
        Config merged = schema.reference();
        for (Config layer : layers(sources, problems, overrideProblems)) {
            merged = layer.withFallback(merged);
        }
        if (!problems.isEmpty()) {
            problems.addAll(overrideProblems);
            throw new HqmException(problems);
        }
        Config resolved = resolve(merged, sources.environment(), problems);
        if (!problems.isEmpty()) {
            problems.addAll(overrideProblems);
            throw new HqmException(problems);
        }
        return new EffectiveConfig(resolved, schema, sources.home(), overrideProblems);
    }

    /**
     * The layers, lowest first. A file that cannot be read stops loading ({@code problems}); a bad
     * environment variable or {@code --set} is only left out ({@code overrideProblems}), so that it is reported
     * together with the validation problems.
     */
    private List<Config> layers(ConfigSources sources, List<String> problems, List<String> overrideProblems) {
        List<Config> layers = new ArrayList<>();
        Path conf = sources.home().resolve("conf");
        Path application = conf.resolve("application.conf");
        if (Files.exists(application)) {
            layers.add(parseFile(application, sources.environment(), problems));
        }
        sources.envName().ifPresent(name -> {
            if (!ENV_NAME.matcher(name).matches() || name.contains("..")) {
                problems.add("--env " + name + ": not a valid environment name; use letters, digits, '-', '_' "
                        + "or '.', naming a file conf/<name>.conf");
                return;
            }
            Path envFile = conf.resolve(name + ".conf");
            if (!Files.isRegularFile(envFile)) {
                problems.add("--env " + name + ": " + envFile.toAbsolutePath() + " does not exist; create it, or "
                        + "drop --env " + name);
                return;
            }
            layers.add(parseFile(envFile, sources.environment(), problems));
        });
        for (Path file : sources.configFiles()) {
            if (!Files.isRegularFile(file)) {
                problems.add("--config " + file + ": " + file.toAbsolutePath() + " does not exist or is not a "
                        + "file; check the path");
                continue;
            }
            layers.add(parseFile(file, sources.environment(), problems));
        }
        layers.add(environmentLayer(sources.environment(), overrideProblems));
        layers.add(setLayer(sources.sets(), overrideProblems));
        return layers;
    }

    private static Config parseFile(Path file, Map<String, String> environment, List<String> problems) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return YamlConfigParser.parse(file, environment, problems);
        }
        ConfigSyntax syntax;
        if (name.endsWith(".conf")) {
            syntax = ConfigSyntax.CONF;
        } else if (name.endsWith(".json")) {
            syntax = ConfigSyntax.JSON;
        } else {
            problems.add(file + ": unsupported file type; use .conf (HOCON), .yaml or .yml (YAML), or .json");
            return ConfigFactory.empty();
        }
        try {
            return ConfigFactory.parseFile(file.toFile(),
                    ConfigParseOptions.defaults().setSyntax(syntax).setAllowMissing(false));
        } catch (ConfigException.Parse e) {
            problems.add(where(e, file) + ": invalid " + (syntax == ConfigSyntax.JSON ? "JSON" : "HOCON") + ": "
                    + syntaxDetail(e) + "; fix the file");
        } catch (ConfigException e) {
            problems.add(where(e, file) + ": cannot be read: " + detail(e) + "; check the file and its includes");
        }
        return ConfigFactory.empty();
    }

    /**
     * {@code OPENHQM_A__B__C=value} sets {@code a.b.c}. A variable without a double underscore is not
     * configuration (the launcher's {@code OPENHQM_HOME}, {@code OPENHQM_OPTS}), unless its name is a core key
     * written with single underscores ({@code OPENHQM_WORKER_COUNT}), which is reported as a mistake.
     */
    private Config environmentLayer(Map<String, String> environment, List<String> problems) {
        Config layer = ConfigFactory.empty();
        for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(ENV_PREFIX)) {
                continue;
            }
            String rest = name.substring(ENV_PREFIX.length());
            if (!rest.contains("__")) {
                nestingMistake(rest).ifPresent(key -> problems.add(ORIGIN_ENV + name + ": not applied, because "
                        + "nesting needs a double underscore; did you mean " + ENV_PREFIX
                        + key.toUpperCase(Locale.ROOT).replace(".", "__") + "?"));
                continue;
            }
            String[] parts = rest.split("__", -1);
            if (Arrays.stream(parts).anyMatch(String::isEmpty)) {
                problems.add(ORIGIN_ENV + name + ": has an empty key segment; separate keys with exactly two "
                        + "underscores, e.g. OPENHQM_WORKER__COUNT");
                continue;
            }
            List<String> segments = Arrays.stream(parts).map(s -> s.toLowerCase(Locale.ROOT)).toList();
            ConfigValue value = OverrideValues.parse(e.getValue(), schema.isListKey(segments), ORIGIN_ENV + name);
            layer = withValue(layer, segments, value, ORIGIN_ENV + name, problems);
        }
        return layer;
    }

    private Optional<String> nestingMistake(String rest) {
        String lower = rest.toLowerCase(Locale.ROOT);
        int underscores = (int) lower.chars().filter(c -> c == '_').count();
        if (underscores == 0 || underscores > 12) {
            return Optional.empty();
        }
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < lower.length(); i++) {
            if (lower.charAt(i) == '_') {
                positions.add(i);
            }
        }
        for (int mask = 1; mask < (1 << underscores); mask++) {
            char[] chars = lower.toCharArray();
            for (int b = 0; b < underscores; b++) {
                if ((mask & (1 << b)) != 0) {
                    chars[positions.get(b)] = '.';
                }
            }
            String candidate = new String(chars);
            if (schema.leafPaths().contains(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private Config setLayer(List<String> sets, List<String> problems) {
        Config layer = ConfigFactory.empty();
        for (String set : sets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                problems.add("--set " + set + ": expected key=value, e.g. --set worker.count=4");
                continue;
            }
            String key = set.substring(0, eq).strip();
            List<String> segments;
            try {
                segments = ConfigUtil.splitPath(key);
            } catch (ConfigException e) {
                problems.add("--set " + key + ": not a valid key path; write dotted names such as "
                        + "proxy.endpoints.my-backend.url (quote a name containing dots)");
                continue;
            }
            String origin = ORIGIN_SET + key;
            ConfigValue value = OverrideValues.parse(set.substring(eq + 1), schema.isListKey(segments), origin);
            layer = withValue(layer, segments, value, origin, problems);
        }
        return layer;
    }

    private static Config withValue(Config layer, List<String> segments, ConfigValue value, String origin,
                                    List<String> problems) {
        String path = ConfigUtil.joinPath(segments);
        try {
            // Later overrides of the same layer win, and a parent set earlier keeps its other keys.
            Config single = ConfigFactory.empty().withValue(path, value);
            return single.withFallback(layer);
        } catch (ConfigException e) {
            problems.add(origin + ": cannot set " + path + " (" + e.getMessage() + ")");
            return layer;
        }
    }

    /**
     * Resolves substitutions against the configuration, then the environment map. The environment is merged
     * underneath at the top level only for resolution and stripped again, so {@code HOME} does not become a
     * key; resolving {@code merged.resolveWith(source)} instead would break self-references such as
     * {@code a = ${a} [x]} (a known Typesafe Config limitation).
     */
    private static Config resolve(Config merged, Map<String, String> environment, List<String> problems) {
        Config withEnv = merged.withFallback(ConfigValueFactory.fromMap(environment, ORIGIN_SUBSTITUTION).toConfig());
        Config resolved;
        try {
            resolved = withEnv.resolve(RESOLVE);
        } catch (ConfigException.UnresolvedSubstitution e) {
            listUnresolved(withEnv, merged, problems);
            if (problems.isEmpty()) {
                problems.add(detail(e) + " (" + e.origin().description() + "); set the variable, or write ${?NAME} "
                        + "to make it optional");
            }
            return null;
        } catch (ConfigException e) {
            problems.add("the configuration cannot be resolved: " + e.getMessage());
            return null;
        }
        ConfigObject root = resolved.root();
        for (String key : resolved.root().keySet()) {
            if (!merged.root().containsKey(key)) {
                root = root.withoutKey(key);
            }
        }
        return root.toConfig();
    }

    /** One problem per unresolvable substitution (Typesafe stops at the first). */
    private static void listUnresolved(Config withEnv, Config merged, List<String> problems) {
        Config partial;
        try {
            partial = withEnv.resolve(RESOLVE.setAllowUnresolved(true));
        } catch (ConfigException e) {
            return;
        }
        for (String key : new TreeSet<>(merged.root().keySet())) {
            ConfigValue v = partial.root().get(key);
            if (v != null) {
                collectUnresolved(ConfigUtil.joinPath(key), v, problems);
            }
        }
    }

    private static void collectUnresolved(String path, ConfigValue v, List<String> problems) {
        try {
            switch (v.valueType()) {
                case OBJECT -> {
                    for (Map.Entry<String, ConfigValue> e : new TreeMap<>((ConfigObject) v).entrySet()) {
                        collectUnresolved(path + "." + ConfigUtil.joinPath(e.getKey()), e.getValue(), problems);
                    }
                }
                case LIST -> {
                    ConfigList list = (ConfigList) v;
                    for (int i = 0; i < list.size(); i++) {
                        collectUnresolved(path + "[" + i + "]", list.get(i), problems);
                    }
                }
                default -> {
                }
            }
        } catch (ConfigException.NotResolved e) {
            // A value merged over a lower layer renders as a commented merge; name only its substitutions.
            Set<String> refs = new LinkedHashSet<>();
            Matcher m = SUBSTITUTION.matcher(v.render());
            while (m.find()) {
                refs.add(m.group());
            }
            String what = refs.isEmpty() ? "a substitution" : String.join(" and ", refs);
            problems.add(path + ": cannot resolve " + what + Values.origin(v)
                    + "; set that environment variable or key, or write ${?NAME} to make it optional");
        }
    }

    private static String where(ConfigException e, Path file) {
        if (e.origin() != null && e.origin().filename() != null) {
            return e.origin().filename() + (e.origin().lineNumber() > 0 ? " line " + e.origin().lineNumber() : "");
        }
        return file.toString();
    }

    /**
     * A syntax error's description without Typesafe's long hints, and without echoing text after a key that
     * lacks its '=' ("Key 'auth_token s3cret'"), which may be a secret.
     */
    private static String syntaxDetail(ConfigException e) {
        String d = detail(e);
        d = HINT.matcher(d).replaceAll("");
        Matcher m = KEY_WITH_TEXT.matcher(d);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement("Key '" + m.group(1) + " ...'"));
        }
        m.appendTail(out);
        return out.toString().strip();
    }

    /** The exception's message without Typesafe's "origin: " prefix. */
    private static String detail(ConfigException e) {
        String message = String.valueOf(e.getMessage());
        if (e.origin() != null) {
            String prefix = e.origin().description() + ": ";
            if (message.startsWith(prefix)) {
                message = message.substring(prefix.length());
            }
        }
        return message.replaceAll("\\s+", " ").trim();
    }

    /**
     * This module's own reference.conf, found next to this class so that a reference.conf of another jar on
     * the class path never replaces it.
     */
    private static Config loadReference() {
        URL url = ownResource("reference.conf");
        try {
            return ConfigFactory.parseURL(url, ConfigParseOptions.defaults().setAllowMissing(false)).resolve(RESOLVE);
        } catch (ConfigException e) {
            throw new IllegalStateException("the built-in reference.conf is broken: " + e.getMessage(), e);
        }
    }

    private static URL ownResource(String name) {
        String classFile = ConfigLoader.class.getName().replace('.', '/') + ".class";
        URL classUrl = ConfigLoader.class.getClassLoader().getResource(classFile);
        if (classUrl != null) {
            String s = classUrl.toString();
            try {
                URL candidate = new URI(s.substring(0, s.length() - classFile.length()) + name).toURL();
                candidate.openStream().close();
                return candidate;
            } catch (Exception e) {
                // fall back to the class loader's first match below
            }
        }
        URL url = ConfigLoader.class.getClassLoader().getResource(name);
        if (url == null) {
            throw new IllegalStateException("reference.conf is missing from the hqm-server jar");
        }
        return url;
    }
}
