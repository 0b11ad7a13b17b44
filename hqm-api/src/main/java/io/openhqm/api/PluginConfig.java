package io.openhqm.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A read-only, typed view of one plugin's own configuration block (for example {@code queue.embedded}).
 * A plugin sees only its block, never the whole server configuration.
 *
 * <p>Getters take keys relative to the block and return empty when the key is absent. A value of the
 * wrong type throws an {@link HqmException} of kind {@link ErrorKind#CONFIG} whose message names the full
 * key ({@link #path()} + key). Plugins should parse their block into a record once at creation, call
 * {@link #unknownKeys(Set)} to reject typos, and report all problems together in one exception built with
 * {@link HqmException#HqmException(List)}.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface PluginConfig {

    /** The full path of this block in the server configuration, e.g. {@code "queue.embedded"}. */
    String path();

    /** The keys directly inside this block. */
    Set<String> keys();

    default boolean has(String key) {
        return keys().contains(key);
    }

    Optional<String> string(String key);

    Optional<Integer> integer(String key);

    Optional<Long> longValue(String key);

    Optional<Boolean> bool(String key);

    /** A duration: a number of seconds, or a HOCON duration such as {@code "500ms"} or {@code "2m"}. */
    Optional<Duration> duration(String key);

    /** A size in bytes: a number, or a HOCON size such as {@code "64MiB"}. */
    Optional<Long> bytes(String key);

    /** A list of strings; a comma-separated string is accepted too. */
    Optional<List<String>> stringList(String key);

    /** A nested block; empty if absent. */
    Optional<PluginConfig> block(String key);

    /** The whole block as plain Java values (maps, lists, strings, numbers, booleans). */
    Map<String, Object> asMap();

    /**
     * The full names of keys in this block that are not in {@code known}, for a strict
     * "unknown key" report.
     */
    default List<String> unknownKeys(Set<String> known) {
        return keys().stream().filter(k -> !known.contains(k)).sorted().map(k -> path() + "." + k).toList();
    }
}
