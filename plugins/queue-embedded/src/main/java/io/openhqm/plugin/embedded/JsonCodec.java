package io.openhqm.plugin.embedded;

import io.openhqm.api.queue.AttemptFailure;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON used in TEXT columns: headers and attributes as a flat object of strings (an attribute's value is its
 * JSON text, stored as a string so it comes back exactly as given), the attempt history as an array of
 * {@code {"attempt": n, "at": "<ISO instant>", "error": "..."}}. Output is pure ASCII (everything else is
 * {@code \\uXXXX}-escaped) so any Java string, even one with a lone surrogate, round-trips exactly; the
 * columns stay readable with the {@code sqlite3} shell and its JSON functions.
 */
final class JsonCodec {

    private JsonCodec() {
    }

    static String encodeStrings(Map<String, String> headers) {
        StringBuilder out = new StringBuilder(16 + headers.size() * 32).append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : new TreeMap<>(headers).entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, e.getKey()).append(':');
            string(out, e.getValue());
        }
        return out.append('}').toString();
    }

    static Map<String, String> decodeStrings(String json) {
        Object value = new Parser(json).parseDocument();
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("a JSON object of strings was expected: " + json);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new IllegalArgumentException("the value of " + e.getKey() + " is not a string: " + json);
            }
            headers.put((String) e.getKey(), s);
        }
        return headers;
    }

    static String encodeHistory(List<AttemptFailure> history) {
        StringBuilder out = new StringBuilder(2 + history.size() * 64).append('[');
        for (int i = 0; i < history.size(); i++) {
            AttemptFailure f = history.get(i);
            if (i > 0) {
                out.append(',');
            }
            out.append("{\"attempt\":").append(f.attempt()).append(",\"at\":");
            string(out, f.at().toString()).append(",\"error\":");
            string(out, f.error()).append('}');
        }
        return out.append(']').toString();
    }

    static List<AttemptFailure> decodeHistory(String json) {
        Object value = new Parser(json).parseDocument();
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("history must be a JSON array: " + json);
        }
        List<AttemptFailure> history = new ArrayList<>(list.size());
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> map) || !(map.get("attempt") instanceof Long attempt)
                    || !(map.get("at") instanceof String at) || !(map.get("error") instanceof String error)) {
                throw new IllegalArgumentException("malformed history entry in " + json);
            }
            try {
                history.add(new AttemptFailure(Math.toIntExact(attempt), Instant.parse(at), error));
            } catch (DateTimeParseException | ArithmeticException e) {
                throw new IllegalArgumentException("malformed history entry in " + json, e);
            }
        }
        return List.copyOf(history);
    }

    private static StringBuilder string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c >= 0x7F) {
                        out.append("\\u");
                        String hex = Integer.toHexString(c);
                        out.append("0".repeat(4 - hex.length())).append(hex);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }

    /** Objects, arrays, strings, integers, booleans and null: all this codec ever writes. */
    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        Object parseDocument() {
            Object value = value();
            skipWhitespace();
            if (pos != s.length()) {
                throw error("trailing characters");
            }
            return value;
        }

        private Object value() {
            skipWhitespace();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object();
                case '[' -> array();
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield integer();
                    }
                    throw error("unexpected character '" + c + "'");
                }
            };
        }

        private Map<String, Object> object() {
            Map<String, Object> map = new LinkedHashMap<>();
            pos++; // {
            skipWhitespace();
            if (peek() == '}') {
                pos++;
                return map;
            }
            while (true) {
                skipWhitespace();
                if (peek() != '"') {
                    throw error("expected a string key");
                }
                String key = string();
                skipWhitespace();
                expect(':');
                map.put(key, value());
                skipWhitespace();
                char c = next();
                if (c == '}') {
                    return map;
                }
                if (c != ',') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        private List<Object> array() {
            List<Object> list = new ArrayList<>();
            pos++; // [
            skipWhitespace();
            if (peek() == ']') {
                pos++;
                return list;
            }
            while (true) {
                list.add(value());
                skipWhitespace();
                char c = next();
                if (c == ']') {
                    return list;
                }
                if (c != ',') {
                    throw error("expected ',' or ']'");
                }
            }
        }

        private String string() {
            pos++; // "
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("truncated \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException nfe) {
                            throw error("bad \\u escape");
                        }
                        pos += 4;
                    }
                    default -> throw error("bad escape '\\" + e + "'");
                }
            }
        }

        private Long integer() {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
            try {
                return Long.parseLong(s.substring(start, pos));
            } catch (NumberFormatException e) {
                throw error("bad integer");
            }
        }

        private Object literal(String word, Object value) {
            if (!s.startsWith(word, pos)) {
                throw error("unexpected token");
            }
            pos += word.length();
            return value;
        }

        private void expect(char c) {
            if (next() != c) {
                throw error("expected '" + c + "'");
            }
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private char next() {
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(pos++);
        }

        private void skipWhitespace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("malformed JSON at " + pos + " (" + what + "): " + s);
        }
    }
}
