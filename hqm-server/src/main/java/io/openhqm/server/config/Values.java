package io.openhqm.server.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reading of single config values, shared by the core's validation and {@link TypesafePluginConfig}.
 * Each reader either returns the value or throws {@link Mismatch} saying what was expected; the caller
 * adds the key and decides whether to collect or throw.
 */
final class Values {
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)");
    private static final Pattern WHOLE = Pattern.compile("[+-]?\\d+");
    private static final String MERGE_PREFIX = "merge of ";
    private static final Pattern FILE_AND_LINE = Pattern.compile("(.+): (\\d+)");
    private static final Pattern FILE_LINE_SUFFIX = Pattern.compile(": \\d+$");

    static final String DURATION = "a duration (a number of seconds, or a value such as \"500ms\" or \"2m\")";
    static final String SIZE = "a size (a number of bytes, or a value such as \"10MiB\")";

    private Values() {
    }

    /** A value was not of the expected type; {@link #expected} completes "expected ...". */
    static final class Mismatch extends Exception {
        private static final long serialVersionUID = 1L;
        final String expected;

        Mismatch(String expected) {
            super(expected, null, false, false);
            this.expected = expected;
        }
    }

    static boolean isNull(ConfigValue v) {
        return v == null || v.valueType() == ConfigValueType.NULL;
    }

    /** A string; numbers and booleans are accepted in their written form. */
    static String string(ConfigValue v) throws Mismatch {
        return switch (v.valueType()) {
            case STRING -> (String) v.unwrapped();
            case NUMBER, BOOLEAN -> ConfigFactory.empty().withValue("v", v).getString("v");
            default -> throw new Mismatch("a string");
        };
    }

    /** A whole number in [min, max]; a string holding one is accepted. */
    static long wholeNumber(ConfigValue v, long min, long max) throws Mismatch {
        String expected = "a whole number";
        long n;
        switch (v.valueType()) {
            case NUMBER -> {
                Number num = (Number) v.unwrapped();
                if (num instanceof Integer || num instanceof Long) {
                    n = num.longValue();
                } else {
                    double d = num.doubleValue();
                    if (d != Math.rint(d) || Double.isInfinite(d) || Math.abs(d) > 9.0e18) {
                        throw new Mismatch(expected);
                    }
                    n = (long) d;
                }
            }
            case STRING -> {
                String s = ((String) v.unwrapped()).trim();
                if (!WHOLE.matcher(s).matches()) {
                    throw new Mismatch(expected);
                }
                try {
                    n = Long.parseLong(s);
                } catch (NumberFormatException e) {
                    throw new Mismatch(expected);
                }
            }
            default -> throw new Mismatch(expected);
        }
        if (n < min || n > max) {
            throw new Mismatch("a whole number between " + min + " and " + max);
        }
        return n;
    }

    /** A boolean; the strings true/false/yes/no/on/off are accepted, as in HOCON. */
    static boolean bool(ConfigValue v) throws Mismatch {
        if (v.valueType() == ConfigValueType.BOOLEAN) {
            return (Boolean) v.unwrapped();
        }
        if (v.valueType() == ConfigValueType.STRING) {
            switch (((String) v.unwrapped()).trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on":
                    return true;
                case "false", "no", "off":
                    return false;
                default:
                    break;
            }
        }
        throw new Mismatch("a boolean (true or false)");
    }

    /** A duration: a number (or numeric string) of seconds, or a HOCON duration string. */
    static Duration duration(ConfigValue v) throws Mismatch {
        if (v.valueType() == ConfigValueType.NUMBER) {
            return seconds(new BigDecimal(ConfigFactory.empty().withValue("v", v).getString("v")));
        }
        if (v.valueType() == ConfigValueType.STRING) {
            String s = ((String) v.unwrapped()).trim();
            if (DECIMAL.matcher(s).matches()) {
                return seconds(new BigDecimal(s));
            }
            try {
                return ConfigFactory.empty().withValue("v", v).getDuration("v");
            } catch (ConfigException e) {
                throw new Mismatch(DURATION);
            }
        }
        throw new Mismatch(DURATION);
    }

    private static Duration seconds(BigDecimal seconds) throws Mismatch {
        try {
            BigDecimal nanos = seconds.movePointRight(9);
            return Duration.ofNanos(nanos.setScale(0, RoundingMode.HALF_UP).longValueExact());
        } catch (ArithmeticException e) {
            throw new Mismatch(DURATION);
        }
    }

    /** A size in bytes: a whole number (or numeric string), or a HOCON size string. */
    static long bytes(ConfigValue v) throws Mismatch {
        if (v.valueType() == ConfigValueType.NUMBER
                || v.valueType() == ConfigValueType.STRING && WHOLE.matcher(((String) v.unwrapped()).trim()).matches()) {
            try {
                return wholeNumber(v, Long.MIN_VALUE, Long.MAX_VALUE);
            } catch (Mismatch e) {
                throw new Mismatch(SIZE);
            }
        }
        if (v.valueType() == ConfigValueType.STRING) {
            try {
                return ConfigFactory.empty().withValue("v", v).getBytes("v");
            } catch (ConfigException e) {
                throw new Mismatch(SIZE);
            }
        }
        throw new Mismatch(SIZE);
    }

    /** A list of strings; a comma-separated string is accepted (blank items dropped). */
    static List<String> stringList(ConfigValue v) throws Mismatch {
        if (v.valueType() == ConfigValueType.STRING) {
            return splitCommas((String) v.unwrapped());
        }
        if (v.valueType() != ConfigValueType.LIST) {
            throw new Mismatch("a list of strings (or a comma-separated string)");
        }
        List<String> out = new ArrayList<>();
        for (ConfigValue item : (ConfigList) v) {
            try {
                out.add(string(item));
            } catch (Mismatch e) {
                throw new Mismatch("a list of strings, but an element is " + kind(item));
            }
        }
        return List.copyOf(out);
    }

    static List<String> splitCommas(String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

    /** How a value is shown in a message: its text for scalars (masked if the key is secret), else its kind. */
    static String describe(String key, ConfigValue v) {
        if (v == null) {
            return "nothing";
        }
        return switch (v.valueType()) {
            case STRING -> quote(Secrets.maskValue(key, (String) v.unwrapped()));
            case NUMBER, BOOLEAN -> Secrets.isSecretKey(key) ? quote(Secrets.MASK) : v.render();
            case NULL -> "null";
            case LIST -> "a list";
            case OBJECT -> "an object";
        };
    }

    static String kind(ConfigValue v) {
        return switch (v.valueType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case LIST -> "a list";
            case OBJECT -> "an object";
        };
    }

    static String quote(String s) {
        String shown = s.length() > 80 ? s.substring(0, 77) + "..." : s;
        return "\"" + shown.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /**
     * Where a value was set, as " (in FILE line N)" or " (from environment variable X)", or "" when the
     * origin says nothing useful (built-in defaults, strings parsed in memory).
     */
    static String origin(ConfigValue v) {
        return v == null ? "" : origin(v.origin());
    }

    static String origin(ConfigOrigin o) {
        if (o == null) {
            return "";
        }
        if (o.description().startsWith(MERGE_PREFIX)) {
            // "merge of A: 3,B: 7": the first part is the highest layer, where the value was written
            String first = o.description().substring(MERGE_PREFIX.length()).split(",")[0].strip();
            Matcher m = FILE_AND_LINE.matcher(first);
            if (m.matches() && (m.group(1).contains("/") || m.group(1).contains("\\"))
                    && !m.group(1).contains(" @ ")) {
                return " (in " + m.group(1) + " line " + m.group(2) + ")";
            }
            return fromOverride(first);
        }
        if (o.filename() != null) {
            return " (in " + o.filename() + (o.lineNumber() > 0 ? " line " + o.lineNumber() : "") + ")";
        }
        return fromOverride(o.description());
    }

    /** " (from environment variable X)" or " (from --set key)" for the loader's own origins, else "". */
    private static String fromOverride(String description) {
        String d = FILE_LINE_SUFFIX.matcher(description).replaceFirst("");
        if (d.startsWith(ConfigLoader.ORIGIN_ENV) || d.startsWith(ConfigLoader.ORIGIN_SET)
                || d.startsWith(ConfigLoader.ORIGIN_SUBSTITUTION)) {
            return " (from " + d + ")";
        }
        return "";
    }

    /** The standard "key: expected X, got Y (origin)" sentence. */
    static String wrongType(String key, String expected, ConfigValue v) {
        return key + ": expected " + expected + ", got " + describe(key, v) + origin(v);
    }
}
