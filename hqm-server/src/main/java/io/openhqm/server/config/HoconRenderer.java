package io.openhqm.server.config;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Renders a plain configuration tree as readable HOCON for {@code check-config}: keys sorted and unquoted
 * where HOCON allows it, {@code key = value}, two-space indentation, strings always quoted, scalar lists on
 * one line. (Typesafe's own renderer quotes every key containing an underscore.)
 */
final class HoconRenderer {
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");

    private HoconRenderer() {
    }

    static String render(Map<String, ?> tree) {
        StringBuilder out = new StringBuilder();
        renderMembers(tree, 0, out);
        return out.toString();
    }

    private static void renderMembers(Map<String, ?> map, int indent, StringBuilder out) {
        for (Map.Entry<String, ?> e : new TreeMap<>(map).entrySet()) {
            out.append("  ".repeat(indent)).append(key(e.getKey()));
            Object v = e.getValue();
            if (v instanceof Map<?, ?> m && !m.isEmpty()) {
                out.append(" {\n");
                renderMembers(cast(m), indent + 1, out);
                out.append("  ".repeat(indent)).append("}\n");
            } else {
                out.append(" = ");
                renderValue(v, indent, out);
                out.append('\n');
            }
        }
    }

    private static void renderValue(Object v, int indent, StringBuilder out) {
        if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            renderMembers(cast(m), indent + 1, out);
            out.append("  ".repeat(indent)).append('}');
        } else if (v instanceof List<?> list) {
            if (list.stream().noneMatch(x -> x instanceof Map || x instanceof List)) {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    out.append(i == 0 ? "" : ", ");
                    renderValue(list.get(i), indent, out);
                }
                out.append(']');
                return;
            }
            out.append("[\n");
            for (int i = 0; i < list.size(); i++) {
                out.append("  ".repeat(indent + 1));
                renderValue(list.get(i), indent + 1, out);
                out.append(i < list.size() - 1 ? ",\n" : "\n");
            }
            out.append("  ".repeat(indent)).append(']');
        } else if (v instanceof String s) {
            out.append(quote(s));
        } else {
            out.append(v); // number, boolean or null
        }
    }

    private static String key(String k) {
        return PLAIN_KEY.matcher(k).matches() ? k : quote(k);
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> cast(Map<?, ?> m) {
        return (Map<String, ?>) m;
    }
}
