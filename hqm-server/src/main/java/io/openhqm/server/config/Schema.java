package io.openhqm.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What keys exist: the core keys are those of {@code reference.conf}; the core keys of an endpoint are listed in
 * {@link #ENDPOINT_KEYS}; {@code queue.<type>} and {@code processors.<type>} are plugin-owned blocks whose
 * contents the core does not check, and so are the other keys of {@code proxy} and of its endpoints, which the
 * egress plugin checks.
 */
final class Schema {

    /** How a key's value is checked before its meaning is. */
    enum Kind {
        STRING, STRING_LIST
    }

    /**
     * The keys of {@code proxy.endpoints.<name>} that routing needs; the others (auth, headers, retries, circuit
     * breaker, limits) are the egress plugin's.
     */
    static final Map<String, Kind> ENDPOINT_KEYS = ordered(
            "url", Kind.STRING,
            "method", Kind.STRING,
            "allowed_methods", Kind.STRING_LIST);

    /** Blocks whose children are plugin-owned blocks (besides the core keys listed in reference.conf). */
    static final Set<String> PLUGIN_PARENTS = Set.of("queue", "processors");

    static final String ENDPOINTS = "proxy.endpoints";

    private final Config reference;
    private final Set<String> leafPaths;

    Schema(Config reference) {
        this.reference = reference;
        Set<String> leaves = new TreeSet<>();
        collectLeaves("", reference.root(), leaves);
        this.leafPaths = Set.copyOf(leaves);
    }

    Config reference() {
        return reference;
    }

    /** Every core key path of reference.conf whose value is not an object (plus the empty blocks). */
    Set<String> leafPaths() {
        return leafPaths;
    }

    /** The reference value at a path (segments), or empty if the reference has none. */
    Optional<ConfigValue> referenceValue(List<String> segments) {
        ConfigValue v = reference.root();
        for (String s : segments) {
            if (!(v instanceof ConfigObject o) || !o.containsKey(s)) {
                return Optional.empty();
            }
            v = o.get(s);
        }
        return Optional.of(v);
    }

    /** Whether a key takes a list, so a comma-separated override becomes a list. */
    boolean isListKey(List<String> segments) {
        if (segments.size() == 4 && segments.get(0).equals("proxy") && segments.get(1).equals("endpoints")) {
            return ENDPOINT_KEYS.get(segments.get(3)) == Kind.STRING_LIST;
        }
        return referenceValue(segments).map(v -> v.valueType() == ConfigValueType.LIST).orElse(false);
    }

    /** Whether a dotted path names a core key or block of reference.conf. */
    boolean isKnownPath(String path) {
        return referenceValue(List.of(path.split("\\."))).isPresent();
    }

    private static void collectLeaves(String prefix, ConfigObject object, Set<String> out) {
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue() instanceof ConfigObject child && !child.isEmpty()) {
                collectLeaves(path, child, out);
            } else {
                out.add(path);
            }
        }
    }

    /**
     * The best replacement for an unknown key: a sibling within a small edit distance, else a known key
     * elsewhere with the same last name, else a known key that differs only in "." versus "_" (a nesting
     * mistake such as {@code worker.max.retries}).
     *
     * @param parent   the parent path ("" at top level)
     * @param name     the unknown key's own name
     * @param siblings the known names in the parent
     * @param leafPathsBelow for an unknown object, the dotted paths of its leaves, relative to the parent
     */
    Optional<String> suggest(String parent, String name, Collection<String> siblings, List<String> leafPathsBelow) {
        String prefix = parent.isEmpty() ? "" : parent + ".";
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int limit = name.length() <= 4 ? 1 : 2;
        for (String s : siblings) {
            int d = distance(name.toLowerCase(Locale.ROOT), s.toLowerCase(Locale.ROOT));
            if (d <= limit && d < bestDistance) {
                best = s;
                bestDistance = d;
            }
        }
        if (best != null) {
            return Optional.of(prefix + ConfigUtil.joinPath(best));
        }
        for (String leaf : leafPaths) {
            if (leaf.endsWith("." + name) && !leaf.equals(prefix + name)) {
                return Optional.of(leaf);
            }
        }
        for (String below : leafPathsBelow) {
            String squashed = squash(prefix + below);
            for (String leaf : leafPaths) {
                if (squash(leaf).equals(squashed)) {
                    return Optional.of(leaf);
                }
            }
        }
        return Optional.empty();
    }

    static String squash(String path) {
        return path.toLowerCase(Locale.ROOT).replace(".", "").replace("_", "");
    }

    /** Dotted paths (relative) of the leaves under a value; the empty string for a scalar. */
    static List<String> leafPathsOf(String name, ConfigValue value) {
        List<String> out = new ArrayList<>();
        if (value instanceof ConfigObject o && !o.isEmpty()) {
            for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
                for (String below : leafPathsOf(e.getKey(), e.getValue())) {
                    out.add(name + "." + below);
                }
            }
        } else {
            out.add(name);
        }
        return out;
    }

    /** Optimal string alignment distance: Levenshtein plus transposition of adjacent letters. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private static Map<String, Kind> ordered(Object... pairs) {
        Map<String, Kind> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (Kind) pairs[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
