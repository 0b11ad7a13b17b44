package io.openhqm.plugin.redis;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openhqm.api.HqmException;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A {@link PluginConfig} over a map (durations as strings like "500ms" or numbers of seconds). */
record TestConfig(String path, Map<String, Object> values) implements PluginConfig {

    static TestConfig of(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new TestConfig("queue.redis", map);
    }

    @Override
    public Set<String> keys() {
        return values.keySet();
    }

    private <T> Optional<T> typed(String key, Class<T> type, String expected) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!type.isInstance(v)) {
            throw HqmException.config(path + "." + key + ": expected " + expected + ", got " + v);
        }
        return Optional.of(type.cast(v));
    }

    @Override
    public Optional<String> string(String key) {
        return typed(key, String.class, "a string");
    }

    @Override
    public Optional<Integer> integer(String key) {
        return typed(key, Integer.class, "a whole number");
    }

    @Override
    public Optional<Long> longValue(String key) {
        Object v = values.get(key);
        if (v instanceof Integer i) {
            return Optional.of(i.longValue());
        }
        return typed(key, Long.class, "a whole number");
    }

    @Override
    public Optional<Boolean> bool(String key) {
        return typed(key, Boolean.class, "a boolean");
    }

    @Override
    public Optional<Duration> duration(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Integer seconds) {
            return Optional.of(Duration.ofSeconds(seconds));
        }
        if (v instanceof String s && s.endsWith("ms")) {
            return Optional.of(Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2))));
        }
        if (v instanceof String s && s.endsWith("s")) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1))));
        }
        throw HqmException.config(path + "." + key + ": expected a duration, got " + v);
    }

    @Override
    public Optional<Long> bytes(String key) {
        return longValue(key);
    }

    @Override
    public Optional<List<String>> stringList(String key) {
        return Optional.empty();
    }

    @Override
    public Optional<PluginConfig> block(String key) {
        return Optional.empty();
    }

    @Override
    public Map<String, Object> asMap() {
        return values;
    }

    /** A context with a fresh registry. */
    record Context(String instanceId, MeterRegistry meterRegistry) implements PluginContext {
        Context(String instanceId) {
            this(instanceId, new SimpleMeterRegistry());
        }

        @Override
        public Clock clock() {
            return Clock.systemUTC();
        }

        @Override
        public Path home() {
            return Path.of(".");
        }
    }
}
