package io.openhqm.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigOriginFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.regex.Pattern;

/**
 * Parses the value of an {@code OPENHQM_*} environment variable or a {@code --set} argument.
 *
 * <p>The text is read as a HOCON value when that is unambiguous ({@code true}, {@code 10}, {@code 1.5},
 * {@code null}, {@code ["a","b"]}, {@code { url = "..." }}, {@code "quoted"}); otherwise it is kept verbatim
 * as a string. Verbatim matters: HOCON would read {@code http://localhost:8080} as {@code "http:"} followed by
 * a comment, {@code abc#def} as {@code "abc"}, {@code 0123} as {@code 123} and {@code ${X}} as a
 * substitution. For a key that takes a list, a string becomes a list by splitting it at commas.
 */
final class OverrideValues {
    /** Integers and decimals in their canonical form only, so "0123" or "1e5" stay strings. */
    private static final Pattern CANONICAL_NUMBER = Pattern.compile("-?(0|[1-9]\\d{0,17})(\\.\\d{1,15})?");

    private OverrideValues() {
    }

    static ConfigValue parse(String raw, boolean listKey, String originDescription) {
        ConfigOrigin origin = ConfigOriginFactory.newSimple(originDescription);
        ConfigValue value = parseHocon(raw, originDescription);
        if (value == null) {
            value = ConfigValueFactory.fromAnyRef(raw).withOrigin(origin);
        }
        if (listKey && value.valueType() == ConfigValueType.STRING) {
            value = ConfigValueFactory.fromIterable(Values.splitCommas((String) value.unwrapped())).withOrigin(origin);
        }
        return value;
    }

    /** The HOCON reading of {@code raw} when it is a single, complete, resolved value; else null. */
    private static ConfigValue parseHocon(String raw, String originDescription) {
        String text = raw.strip();
        if (text.isEmpty()) {
            return null;
        }
        Config parsed;
        try {
            parsed = ConfigFactory.parseString("v = " + text, ConfigParseOptions.defaults()
                    .setSyntax(ConfigSyntax.CONF).setAllowMissing(false).setOriginDescription(originDescription));
        } catch (ConfigException e) {
            return null;
        }
        if (!parsed.isResolved() || parsed.root().size() != 1 || !parsed.root().containsKey("v")) {
            return null;
        }
        ConfigValue v = parsed.root().get("v");
        return switch (v.valueType()) {
            case BOOLEAN -> text.equals("true") || text.equals("false") ? v : null;
            case NUMBER -> CANONICAL_NUMBER.matcher(text).matches() ? v : null;
            case NULL -> text.equals("null") ? v : null;
            case STRING -> isOneQuotedString(text) ? v : null;
            case LIST -> text.startsWith("[") && text.endsWith("]") ? v : null;
            case OBJECT -> text.startsWith("{") && text.endsWith("}") ? v : null;
        };
    }

    private static boolean isOneQuotedString(String text) {
        if (text.length() < 2 || !text.startsWith("\"") || !text.endsWith("\"")) {
            return false;
        }
        String inner = text.substring(1, text.length() - 1);
        // "a" "b" is a concatenation, not one quoted string; an escaped quote is fine.
        return !inner.replace("\\\\", "").replace("\\\"", "").contains("\"");
    }
}
