package io.openhqm.server.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.openhqm.api.HqmException;
import io.openhqm.api.PluginConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A {@link PluginConfig} over a Typesafe Config block. Keys are names directly inside the block; a dotted key
 * that is not itself a name in the block is read as a path ({@code "tls.ca_file"}). Values of the wrong type
 * throw an {@link HqmException} of kind CONFIG naming the full key, without echoing secret values.
 *
 * <p>Immutable and thread-safe. {@link #toString()} masks secrets.
 */
public final class TypesafePluginConfig implements PluginConfig {
    private final String path;
    private final Config config;

    /**
     * A view of {@code block} as the block at {@code path} (for messages and {@link #path()}); {@code block}
     * must be resolved.
     */
    public TypesafePluginConfig(String path, Config block) {
        this.path = requireNonNull(path, "path is null");
        this.config = requireNonNull(block, "block is null");
    }

    /**
     * The block at {@code path} (a HOCON path expression) inside {@code root}; an empty view if the path is
     * absent or null.
     *
     * @throws HqmException CONFIG if the value at {@code path} is not an object
     */
    public static TypesafePluginConfig of(Config root, String path) {
        requireNonNull(root, "root is null");
        requireNonNull(path, "path is null");
        ConfigValue v;
        try {
            if (!root.hasPathOrNull(path) || root.getIsNull(path)) {
                return empty(path);
            }
            v = root.getValue(path);
        } catch (ConfigException e) {
            throw HqmException.config(path + ": cannot hold a block of settings because a parent key is not an object");
        }
        if (v.valueType() != ConfigValueType.OBJECT) {
            throw HqmException.config(Values.wrongType(path, "a block of settings (an object)", v));
        }
        return new TypesafePluginConfig(path, ((ConfigObject) v).toConfig());
    }

    /** An empty block at {@code path}. */
    public static TypesafePluginConfig empty(String path) {
        return new TypesafePluginConfig(path, ConfigFactory.empty());
    }

    /**
     * A view over plain Java values (maps, lists, strings, numbers, booleans), for tests and for code that
     * builds plugin settings without Typesafe Config. Keys are names, not paths.
     */
    public static TypesafePluginConfig fromMap(String path, Map<String, ?> values) {
        return new TypesafePluginConfig(path, ConfigValueFactory.fromMap(values, "settings of " + path).toConfig());
    }

    @Override
    public String path() {
        return path;
    }

    /**
     * {@code problem} (a plugin's sentence that starts with the full key it is about, {@code "queue.redis.url: ..."})
     * with the place that key is set appended, as the core's own problems have it; unchanged when it names a place
     * already or no key of this block.
     */
    public String locate(String problem) {
        int colon = problem.indexOf(": ");
        if (colon <= path.length() || !problem.startsWith(path + ".") || problem.contains(" (in ")
                || problem.contains(" (from ")) {
            return problem;
        }
        String key = problem.substring(path.length() + 1, colon);
        ConfigValue v = keys().contains(key) ? config.root().get(key) : valueAtPath(key);
        return problem + Values.origin(v);
    }

    private ConfigValue valueAtPath(String key) {
        try {
            return config.getValue(key);
        } catch (ConfigException e) {
            return null; // absent, null or not a path expression: no place to give
        }
    }

    @Override
    public Set<String> keys() {
        return Collections.unmodifiableSet(new TreeSet<>(config.root().keySet()));
    }

    @Override
    public Optional<String> string(String key) {
        return read(key, "a string", Values::string);
    }

    @Override
    public Optional<Integer> integer(String key) {
        return read(key, "a whole number", v -> (int) Values.wholeNumber(v, Integer.MIN_VALUE, Integer.MAX_VALUE));
    }

    @Override
    public Optional<Long> longValue(String key) {
        return read(key, "a whole number", v -> Values.wholeNumber(v, Long.MIN_VALUE, Long.MAX_VALUE));
    }

    @Override
    public Optional<Boolean> bool(String key) {
        return read(key, "a boolean", Values::bool);
    }

    @Override
    public Optional<Duration> duration(String key) {
        return read(key, Values.DURATION, Values::duration);
    }

    @Override
    public Optional<Long> bytes(String key) {
        return read(key, Values.SIZE, Values::bytes);
    }

    @Override
    public Optional<List<String>> stringList(String key) {
        return read(key, "a list of strings", Values::stringList);
    }

    @Override
    public Optional<PluginConfig> block(String key) {
        ConfigValue v = lookup(key);
        if (Values.isNull(v)) {
            return Optional.empty();
        }
        if (v.valueType() != ConfigValueType.OBJECT) {
            throw HqmException.config(Values.wrongType(fullKey(key), "a block of settings (an object)", v));
        }
        return Optional.of(new TypesafePluginConfig(fullKey(key), ((ConfigObject) v).toConfig()));
    }

    @Override
    public Map<String, Object> asMap() {
        return deepCopy(config.root());
    }

    @Override
    public String toString() {
        return "PluginConfig(" + path + ")" + Secrets.maskTree(config.root().unwrapped());
    }

    private interface Reader<T> {
        T read(ConfigValue v) throws Values.Mismatch;
    }

    private <T> Optional<T> read(String key, String expected, Reader<T> reader) {
        ConfigValue v = lookup(key);
        if (Values.isNull(v)) {
            return Optional.empty();
        }
        try {
            return Optional.of(reader.read(v));
        } catch (Values.Mismatch e) {
            throw HqmException.config(Values.wrongType(fullKey(key), e.expected, v));
        }
    }

    private ConfigValue lookup(String key) {
        requireNonNull(key, "key is null");
        ConfigValue v = config.root().get(key);
        if (v == null && key.contains(".")) {
            try {
                return config.hasPath(key) ? config.getValue(key) : null;
            } catch (ConfigException e) {
                return null;
            }
        }
        return v;
    }

    private String fullKey(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static Map<String, Object> deepCopy(ConfigObject object) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : new TreeMap<>(object).entrySet()) {
            out.put(e.getKey(), deepCopy(e.getValue()));
        }
        return Collections.unmodifiableMap(out);
    }

    private static Object deepCopy(ConfigValue value) {
        return switch (value.valueType()) {
            case OBJECT -> deepCopy((ConfigObject) value);
            case LIST -> {
                List<Object> out = new ArrayList<>();
                for (ConfigValue item : (ConfigList) value) {
                    out.add(deepCopy(item));
                }
                yield Collections.unmodifiableList(out);
            }
            default -> value.unwrapped();
        };
    }
}
