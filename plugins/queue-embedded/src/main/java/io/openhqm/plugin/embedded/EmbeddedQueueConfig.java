package io.openhqm.plugin.embedded;

import static java.util.Objects.requireNonNull;

import io.openhqm.api.HqmException;
import io.openhqm.api.PluginConfig;
import io.openhqm.toolkit.ConfigProblems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The block {@code queue.embedded}, parsed and validated once.
 *
 * @param block             the block's full name, for error messages (e.g. {@code "queue.embedded"})
 * @param directory         absolute directory holding {@value #DATABASE_FILE}
 * @param visibilityTimeout how long a lease held by a process that stopped renewing it (a dead process)
 *                          keeps its message from being redelivered
 * @param pollInterval      how often an idle consumer re-reads the database for work published by other
 *                          processes (work published in this process wakes consumers at once)
 * @param synchronous       SQLite's {@code synchronous} setting for commits
 * @param maxBatch          the most write operations committed in one transaction
 * @param cleanupInterval   how often expired results and idempotency claims are purged
 * @param maxBacklog        the most operations waiting for the writer, and the most reads waiting for the
 *                          readers; new work beyond it is refused at once (see {@link GroupCommitWriter})
 */
public record EmbeddedQueueConfig(String block, Path directory, Duration visibilityTimeout, Duration pollInterval,
                                  Synchronous synchronous, int maxBatch, Duration cleanupInterval,
                                  int maxBacklog) {

    public static final String DATABASE_FILE = "openhqm.db";
    public static final String DEFAULT_PATH = "data";
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);
    public static final int DEFAULT_MAX_BATCH = 512;
    public static final int MAX_MAX_BATCH = 100_000;
    public static final Duration DEFAULT_CLEANUP_INTERVAL = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_BACKLOG = 10_000;
    public static final int MAX_MAX_BACKLOG = 1_000_000;

    static final Set<String> KEYS = Set.of("path", "visibility_timeout", "poll_interval", "synchronous",
            "max_batch", "cleanup_interval", "max_backlog");

    /** SQLite's {@code PRAGMA synchronous} for the WAL: what a commit survives. */
    public enum Synchronous {
        /** Every commit is fsynced: survives process kill and power loss. */
        FULL,
        /** Commits survive a process kill; the last ones may be lost on power loss or an OS crash. */
        NORMAL
    }

    public EmbeddedQueueConfig {
        requireNonNull(block, "block is null");
        requireNonNull(directory, "directory is null");
        requireNonNull(visibilityTimeout, "visibilityTimeout is null");
        requireNonNull(pollInterval, "pollInterval is null");
        requireNonNull(synchronous, "synchronous is null");
        requireNonNull(cleanupInterval, "cleanupInterval is null");
        if (!directory.isAbsolute()) {
            throw new IllegalArgumentException("directory must be absolute, was " + directory);
        }
        if (maxBatch < 1 || maxBacklog < 1) {
            throw new IllegalArgumentException("maxBatch and maxBacklog must be positive, were " + maxBatch + " and "
                    + maxBacklog);
        }
    }

    /** The database file, {@code <directory>/openhqm.db}. */
    public Path databaseFile() {
        return directory.resolve(DATABASE_FILE);
    }

    /**
     * Parses {@code config}; a relative {@code path} resolves against {@code home}.
     *
     * @throws HqmException of kind CONFIG listing every unknown key and bad value, each naming its full key
     */
    public static EmbeddedQueueConfig parse(PluginConfig config, Path home) {
        requireNonNull(config, "config is null");
        requireNonNull(home, "home is null");
        ConfigProblems problems = new ConfigProblems(config);
        for (String unknown : config.unknownKeys(KEYS)) {
            problems.addSentence(unknown + ": unknown key (known keys: cleanup_interval, max_backlog, max_batch, path,"
                    + " poll_interval, synchronous, visibility_timeout)");
        }
        Parser p = new Parser(config, problems);

        Path directory = null;
        String rawPath = p.get("path", config::string).orElse(DEFAULT_PATH);
        if (rawPath.isBlank()) {
            p.problem("path", "must be a directory name, was \"" + rawPath + "\"");
        } else {
            try {
                Path given = Path.of(rawPath);
                directory = (given.isAbsolute() ? given : home.resolve(given)).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                p.problem("path", "\"" + rawPath + "\" is not a valid path (" + e.getReason() + ")");
            }
        }
        Duration visibility = p.positiveDuration("visibility_timeout", DEFAULT_VISIBILITY_TIMEOUT);
        Duration poll = p.positiveDuration("poll_interval", DEFAULT_POLL_INTERVAL);
        Duration cleanup = p.positiveDuration("cleanup_interval", DEFAULT_CLEANUP_INTERVAL);

        Synchronous synchronous = Synchronous.FULL;
        Optional<String> sync = p.get("synchronous", config::string);
        if (sync.isPresent()) {
            switch (sync.get().trim().toLowerCase(Locale.ROOT)) {
                case "full" -> synchronous = Synchronous.FULL;
                case "normal" -> synchronous = Synchronous.NORMAL;
                default -> p.problem("synchronous", "must be \"full\" or \"normal\", was \"" + sync.get() + "\"");
            }
        }

        int maxBatch = p.integer("max_batch", DEFAULT_MAX_BATCH, MAX_MAX_BATCH);
        int maxBacklog = p.integer("max_backlog", DEFAULT_MAX_BACKLOG, MAX_MAX_BACKLOG);

        problems.throwIfAny();
        return new EmbeddedQueueConfig(config.path(), directory, visibility, poll, synchronous, maxBatch, cleanup,
                maxBacklog);
    }

    /** The block's typed values with their ranges, every problem collected. */
    private record Parser(PluginConfig config, ConfigProblems problems) {

        <T> Optional<T> get(String key, Function<String, Optional<T>> getter) {
            return problems.read(key, getter);
        }

        Duration positiveDuration(String key, Duration fallback) {
            Optional<Duration> value = get(key, config::duration);
            if (value.isEmpty()) {
                return fallback;
            }
            if (value.get().isNegative() || value.get().isZero()) {
                problem(key, "must be a positive duration, was \"" + raw(key) + "\"");
                return fallback;
            }
            return value.get();
        }

        int integer(String key, int fallback, int max) {
            Optional<Integer> value = get(key, config::integer);
            if (value.isEmpty()) {
                return fallback;
            }
            if (value.get() < 1 || value.get() > max) {
                problem(key, "must be an integer from 1 to " + max + ", was " + value.get());
                return fallback;
            }
            return value.get();
        }

        void problem(String key, String sentence) {
            problems.add(key, sentence);
        }

        private String raw(String key) {
            Object value = config.asMap().get(key);
            return value == null ? "" : value.toString();
        }
    }

    /** What {@link #parse} would reject in {@code config}, as sentences naming each key; empty if valid. */
    static List<String> problems(PluginConfig config) {
        return ConfigProblems.of(() -> parse(config, Path.of("")));
    }
}
