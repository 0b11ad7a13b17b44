package io.openhqm.server.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import java.time.Duration;
import java.util.Locale;

/**
 * What a request's {@code Prefer} headers ask for (RFC 7240): {@code respond-async} and {@code wait=N}. Other
 * preferences, and a {@code wait} that is not a whole number of seconds, are ignored, as the RFC asks.
 *
 * @param respondAsync whether {@code respond-async} was given
 * @param waitSeconds  the {@code wait} value (a huge one as {@link Long#MAX_VALUE}), or {@code null}
 */
record Preferences(boolean respondAsync, Long waitSeconds) {
    static final Preferences NONE = new Preferences(false, null);

    static Preferences of(HttpServerExchange exchange) {
        HeaderValues values = exchange.getRequestHeaders().get("Prefer");
        return values == null ? NONE : parse(values);
    }

    /** The preferences of the values of every {@code Prefer} header; the first {@code wait} counts. */
    static Preferences parse(Iterable<String> values) {
        boolean respondAsync = false;
        Long wait = null;
        for (String value : values) {
            for (String preference : value.split(",")) {
                String token = preference.split(";", 2)[0].trim();
                int equals = token.indexOf('=');
                String name = (equals < 0 ? token : token.substring(0, equals)).trim().toLowerCase(Locale.ROOT);
                if (name.equals("respond-async")) {
                    respondAsync = true;
                } else if (name.equals("wait") && equals > 0 && wait == null) {
                    wait = seconds(token.substring(equals + 1).trim());
                }
            }
        }
        return new Preferences(respondAsync, wait);
    }

    private static Long seconds(String value) {
        String digits = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1) : value;
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** The asked-for wait, at most {@code max}; {@code null} when no wait was asked for. */
    Duration wait(Duration max) {
        return waitSeconds == null ? null : Duration.ofSeconds(Math.min(waitSeconds, max.toSeconds()));
    }
}
