package io.openhqm.plugin.redis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON text of the entry and record formats, in the two escapings they have always had (tests pin both): records
 * and attributes keep every non-ASCII character as UTF-8 and escape U+2028 / U+2029 (JavaScript readers); headers,
 * history and idempotency claims have Jackson's default escaping. Attribute values are JSON text kept exactly as
 * given (the SPI carries them unchanged, so {@code 1e3} stays {@code 1e3}). Stateless and thread-safe.
 */
final class JsonText {
    private static final JsonFactory JACKSON_ESCAPES = new JsonFactory();
    private static final JsonFactory RAW_UNICODE = new JsonFactoryBuilder()
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
            .characterEscapes(new RawUnicodeEscapes())
            .build();

    private JsonText() {
    }

    /** What writes one JSON value. */
    interface Writing {
        void to(JsonGenerator g) throws IOException;
    }

    /** The UTF-8 bytes of what {@code writing} writes, in Jackson's escaping (😀 as {@code \\uD83D\\uDE00}). */
    static byte[] write(int sizeHint, Writing writing) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
        try (JsonGenerator g = JACKSON_ESCAPES.createGenerator(out)) {
            writing.to(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * The UTF-8 bytes of what {@code writing} writes, every non-ASCII character as itself but U+2028 / U+2029,
     * control characters as {@code \n}, {@code \r}, {@code \t} or {@code \\u00xx}. Written as characters first so
     * a character outside the BMP is its four UTF-8 bytes (a lone surrogate becomes {@code ?}, as it always did).
     */
    static byte[] writeRawUnicode(int sizeHint, Writing writing) {
        StringWriter out = new StringWriter(sizeHint);
        try (JsonGenerator g = RAW_UNICODE.createGenerator(out)) {
            writing.to(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Writes {@code {"name":<value>,...}}, each value being JSON text already, written as it is. */
    static void writeRawObject(JsonGenerator g, Map<String, String> members) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, String> member : members.entrySet()) {
            g.writeFieldName(member.getKey());
            g.writeRawValue(member.getValue());
        }
        g.writeEndObject();
    }

    static byte[] rawObject(Map<String, String> members) {
        return writeRawUnicode(32 * members.size() + 2, g -> writeRawObject(g, members));
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

    /** Jackson's escapes, except backspace and form feed as {@code \\u0008} and {@code \\u000c}, and U+2028/9. */
    private static final class RawUnicodeEscapes extends CharacterEscapes {
        private static final SerializedString LINE_SEPARATOR = new SerializedString("\\u2028");
        private static final SerializedString PARAGRAPH_SEPARATOR = new SerializedString("\\u2029");
        private final int[] ascii = standardAsciiEscapesForJSON();

        RawUnicodeEscapes() {
            ascii['\b'] = ESCAPE_STANDARD;
            ascii['\f'] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return switch (ch) {
                case 0x2028 -> LINE_SEPARATOR;
                case 0x2029 -> PARAGRAPH_SEPARATOR;
                default -> null;
            };
        }
    }
}
