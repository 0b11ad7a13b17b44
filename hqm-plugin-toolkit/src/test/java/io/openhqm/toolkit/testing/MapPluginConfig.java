package io.openhqm.toolkit.testing;

import io.openhqm.api.HqmException;
import io.openhqm.api.PluginConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link PluginConfig} backed by a map, converting values roughly as the server's HOCON view does, for plugin
 * tests (this module's test-jar).
 */
public record MapPluginConfig(String path, Map<String, Object> values) implements PluginConfig {
    private static final Pattern DURATION = Pattern.compile("\\s*(-?\\d+)\\s*(ms|s|m|h|d)?\\s*");

    public MapPluginConfig {
        values = Map.copyOf(values);
    }

    /** The block {@code path} with the given keys and values, alternating. */
    public static MapPluginConfig of(String path, Object... keysAndValues) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            values.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return new MapPluginConfig(path, values);
    }

    @Override
    public Set<String> keys() {
        return values.keySet();
    }

    @Override
    public Optional<String> string(String key) {
        return Optional.ofNullable(values.get(key)).map(v -> {
            if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                return v.toString();
            }
            throw wrongType(key, "a string", v);
        });
    }

    @Override
    public Optional<Integer> integer(String key) {
        return longValue(key).map(v -> {
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw wrongType(key, "an integer", v);
            }
            return v.intValue();
        });
    }

    @Override
    public Optional<Long> longValue(String key) {
        return Optional.ofNullable(values.get(key)).map(v -> {
            if (v instanceof Integer || v instanceof Long) {
                return ((Number) v).longValue();
            }
            if (v instanceof String s) {
                try {
                    return Long.parseLong(s.trim());
                } catch (NumberFormatException e) {
                    throw wrongType(key, "a number", v);
                }
            }
            throw wrongType(key, "a number", v);
        });
    }

    @Override
    public Optional<Boolean> bool(String key) {
        return Optional.ofNullable(values.get(key)).map(v -> {
            if (v instanceof Boolean b) {
                return b;
            }
            throw wrongType(key, "a boolean", v);
        });
    }

    @Override
    public Optional<Duration> duration(String key) {
        return Optional.ofNullable(values.get(key)).map(v -> {
            if (v instanceof Duration d) {
                return d;
            }
            if (v instanceof Integer || v instanceof Long) {
                return Duration.ofSeconds(((Number) v).longValue());
            }
            if (v instanceof String s) {
                Matcher m = DURATION.matcher(s);
                if (m.matches()) {
                    long n = Long.parseLong(m.group(1));
                    String unit = m.group(2) == null ? "s" : m.group(2);
                    return switch (unit) {
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        case "h" -> Duration.ofHours(n);
                        default -> Duration.ofDays(n);
                    };
                }
            }
            throw wrongType(key, "a duration", v);
        });
    }

    @Override
    public Optional<Long> bytes(String key) {
        return longValue(key);
    }

    @Override
    public Optional<List<String>> stringList(String key) {
        return Optional.ofNullable(values.get(key)).map(v -> {
            if (v instanceof List<?> list) {
                return list.stream().map(Object::toString).toList();
            }
            return Arrays.stream(v.toString().split(",")).map(String::trim).toList();
        });
    }

    @Override
    public Optional<PluginConfig> block(String key) {
        return Optional.ofNullable(values.get(key)).map(v -> {
            if (v instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) map;
                return new MapPluginConfig(path + "." + key, m);
            }
            throw wrongType(key, "an object", v);
        });
    }

    @Override
    public Map<String, Object> asMap() {
        return values;
    }

    private HqmException wrongType(String key, String expected, Object value) {
        return HqmException.config(path + "." + key + ": must be " + expected + ", was \"" + value + "\"");
    }
}
