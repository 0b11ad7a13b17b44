package io.openhqm.plugin.redis;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * JSON text shared by the entry and record formats: strings, and objects of attributes whose values are JSON text
 * kept exactly as given (the SPI carries them unchanged, so {@code 1e3} stays {@code 1e3}). Stateless.
 */
final class JsonText {

    private JsonText() {
    }

    /** Appends {@code s} as a JSON string. */
    static void appendString(StringBuilder out, String s) {
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
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Appends {@code {"name":<value>,...}}, each value being JSON text already, written as it is. */
    static void appendRawObject(StringBuilder out, Map<String, String> members) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, String> member : members.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            appendString(out, member.getKey());
            out.append(':').append(member.getValue());
        }
        out.append('}');
    }

    static byte[] rawObject(Map<String, String> members) {
        StringBuilder out = new StringBuilder(32 * members.size() + 2);
        appendRawObject(out, members);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads the object whose {@code START_OBJECT} is the parser's current token: each member's value as its exact
     * source text. {@code source} is the whole input of the parser.
     */
    static Map<String, String> readRawObject(JsonParser parser, byte[] source) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw new IOException("expected a JSON object, found " + parser.currentToken());
        }
        Map<String, String> members = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            int start = (int) parser.currentTokenLocation().getByteOffset();
            if (value.isStructStart()) {
                parser.skipChildren();
            } else {
                parser.finishToken();
            }
            int end = (int) parser.currentLocation().getByteOffset();
            members.put(name, new String(source, start, end - start, StandardCharsets.UTF_8));
        }
        return members;
    }
}
