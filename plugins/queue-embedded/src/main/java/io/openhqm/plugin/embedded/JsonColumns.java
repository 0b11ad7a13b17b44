package io.openhqm.plugin.embedded;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.openhqm.api.queue.AttemptFailure;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON used in TEXT columns: headers and attributes as a flat object of strings sorted by name (an attribute's
 * value is its JSON text, stored as a string so it comes back exactly as given), the attempt history as an array of
 * {@code {"attempt": n, "at": "<ISO instant>", "error": "..."}}. Output is pure ASCII (everything else is
 * {@code \\uxxxx}-escaped) so any Java string, even one with a lone surrogate, round-trips exactly; the columns
 * stay readable with the {@code sqlite3} shell and its JSON functions. Stateless and thread-safe.
 */
final class JsonColumns {
    private static final JsonFactory JSON = new JsonFactoryBuilder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
            .characterEscapes(new AsciiEscapes())
            .build();

    private JsonColumns() {
    }

    static String encodeStrings(Map<String, String> strings) {
        return write(16 + strings.size() * 32, g -> {
            g.writeStartObject();
            for (Map.Entry<String, String> e : new TreeMap<>(strings).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        });
    }

    static Map<String, String> decodeStrings(String json) {
        return read(json, p -> {
            expect(p, p.nextToken(), JsonToken.START_OBJECT, "a JSON object of strings");
            Map<String, String> strings = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_STRING) {
                    throw new IllegalArgumentException("the value of " + name + " is not a string: " + json);
                }
                strings.put(name, p.getText());
            }
            return strings;
        });
    }

    static String encodeHistory(List<AttemptFailure> history) {
        return write(2 + history.size() * 64, g -> {
            g.writeStartArray();
            for (AttemptFailure f : history) {
                g.writeStartObject();
                g.writeNumberField("attempt", f.attempt());
                g.writeStringField("at", f.at().toString());
                g.writeStringField("error", f.error());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    static List<AttemptFailure> decodeHistory(String json) {
        return read(json, p -> {
            expect(p, p.nextToken(), JsonToken.START_ARRAY, "a JSON array");
            List<AttemptFailure> history = new ArrayList<>();
            while (p.nextToken() == JsonToken.START_OBJECT) {
                history.add(attemptFailure(p, json));
            }
            expect(p, p.currentToken(), JsonToken.END_ARRAY, "an object per history entry");
            return List.copyOf(history);
        });
    }

    /** One {@code {"attempt", "at", "error"}} object; other members are skipped, as they always were. */
    private static AttemptFailure attemptFailure(JsonParser p, String json) throws IOException {
        Long attempt = null;
        String at = null;
        String error = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "attempt" -> attempt = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : null;
                case "at" -> at = value == JsonToken.VALUE_STRING ? p.getText() : null;
                case "error" -> error = value == JsonToken.VALUE_STRING ? p.getText() : null;
                default -> p.skipChildren();
            }
        }
        if (attempt == null || at == null || error == null) {
            throw new IllegalArgumentException("malformed history entry in " + json);
        }
        try {
            return new AttemptFailure(Math.toIntExact(attempt), Instant.parse(at), error);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("malformed history entry in " + json, e);
        }
    }

    private interface Writing {
        void to(JsonGenerator g) throws IOException;
    }

    private interface Reading<T> {
        T from(JsonParser p) throws IOException;
    }

    private static String write(int sizeHint, Writing writing) {
        StringWriter out = new StringWriter(sizeHint);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writing.to(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Reads one JSON document; anything malformed, or text after it, is an {@link IllegalArgumentException}. */
    private static <T> T read(String json, Reading<T> reading) {
        try (JsonParser p = JSON.createParser(json)) {
            T value = reading.from(p);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("trailing characters after the JSON value: " + json);
            }
            return value;
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed JSON (" + e.getMessage() + "): " + json, e);
        }
    }

    private static void expect(JsonParser p, JsonToken actual, JsonToken expected, String what) {
        if (actual != expected) {
            throw new IllegalArgumentException(what + " was expected at offset "
                    + p.currentTokenLocation().getCharOffset() + ", found " + actual);
        }
    }

    /**
     * Jackson's escapes, except that backspace, form feed and DEL are written as {@code \\u0008}, {@code \\u000c}
     * and {@code \\u007f}, as the columns always had them.
     */
    private static final class AsciiEscapes extends CharacterEscapes {
        private final int[] ascii = standardAsciiEscapesForJSON();

        AsciiEscapes() {
            ascii['\b'] = ESCAPE_STANDARD;
            ascii['\f'] = ESCAPE_STANDARD;
            ascii[0x7F] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }
}
