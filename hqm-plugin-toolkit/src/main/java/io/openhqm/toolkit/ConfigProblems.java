package io.openhqm.toolkit;

import io.openhqm.api.HqmException;
import io.openhqm.api.PluginConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a plugin's config block while collecting every problem, so one report names them all: a value of the
 * wrong type becomes a problem instead of an exception, and each problem is a sentence starting with the full key.
 * Not thread-safe: one per parse.
 */
public final class ConfigProblems {
    private final PluginConfig config;
    private final List<String> problems = new ArrayList<>();

    public ConfigProblems(PluginConfig config) {
        this.config = config;
    }

    /**
     * The value of {@code key} read by {@code getter} (e.g. {@code config::duration}); empty when absent or when
     * its type is wrong, which is recorded as a problem.
     */
    public <T> Optional<T> read(String key, Function<String, Optional<T>> getter) {
        try {
            return getter.apply(key);
        } catch (HqmException e) {
            problems.addAll(e.problems());
            return Optional.empty();
        }
    }

    /** Records a problem of {@code key}: {@code "<block>.<key>: <sentence>"}. */
    public void add(String key, String sentence) {
        problems.add(config.path() + "." + key + ": " + sentence);
    }

    /** Records every key of the block outside {@code known}, each with {@code advice} after "unknown key; ". */
    public void unknownKeys(Set<String> known, String advice) {
        for (String key : config.unknownKeys(known)) {
            problems.add(key + ": unknown key; " + advice);
        }
    }

    /** Records {@code sentence}, which names its key itself. */
    public void addSentence(String sentence) {
        problems.add(sentence);
    }

    public List<String> list() {
        return List.copyOf(problems);
    }

    /** Throws one CONFIG {@link HqmException} naming every problem, if there is any. */
    public void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new HqmException(problems);
        }
    }

    /** The problems {@code parse} reports by throwing, or none. */
    public static List<String> of(Runnable parse) {
        try {
            parse.run();
            return List.of();
        } catch (HqmException e) {
            return e.problems();
        }
    }
}
