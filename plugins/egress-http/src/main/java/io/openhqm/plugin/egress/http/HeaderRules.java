package io.openhqm.plugin.egress.http;

import java.net.http.HttpHeaders;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Which headers travel: from a message to the endpoint, and from the endpoint's response to the stored reply.
 * Hop-by-hop headers (RFC 9110 §7.6.1, and any the message's {@code Connection} header names) never do.
 */
final class HeaderRules {

    /** Hop-by-hop headers, plus the pre-standard {@code proxy-connection} and HTTP/2's upgrade settings. */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade", "proxy-connection",
            "http2-settings");

    /** Headers {@code java.net.http} sets itself and refuses from callers. */
    static final Set<String> CLIENT_OWNED = Set.of("host", "content-length", "expect", "connection", "upgrade");

    static final String CORRELATION_ID = "X-Correlation-ID";

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

    private HeaderRules() {
    }

    /** Why a configured header (static or auth) cannot be set by configuration, or {@code null} if it can. */
    static String whyNotSettable(String name) {
        if (!TOKEN.matcher(name).matches()) {
            return "\"" + name + "\" is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)";
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (HOP_BY_HOP.contains(lower) || CLIENT_OWNED.contains(lower)) {
            return "\"" + name + "\" is set by the HTTP client itself and cannot be configured";
        }
        if (lower.equals("content-type") || lower.equals("x-correlation-id") || lower.startsWith("webhook-")) {
            return "\"" + name + "\" is set by OpenHQM on every call (from the message, or for signing) and"
                    + " cannot be configured";
        }
        return null;
    }

    static boolean isValidName(String name) {
        return TOKEN.matcher(name).matches();
    }

    /** Whether {@code value} may be a header value: no control characters but tab. */
    static boolean isValidValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * The headers of a call: the message's headers minus hop-by-hop, client-owned, stripped and {@code overridden}
     * ones; the caller then adds its own. Keys keep the message's (lower-case) names; the map is case-insensitive.
     */
    static Map<String, String> forwarded(Map<String, String> messageHeaders, Set<String> strip,
                                         Set<String> overridden) {
        Set<String> dropped = new HashSet<>(HOP_BY_HOP);
        String connection = lookup(messageHeaders, "connection");
        if (connection != null) {
            for (String token : connection.split(",")) {
                dropped.add(token.trim().toLowerCase(Locale.ROOT));
            }
        }
        Map<String, String> result = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> e : messageHeaders.entrySet()) {
            String lower = e.getKey().toLowerCase(Locale.ROOT);
            if (dropped.contains(lower) || CLIENT_OWNED.contains(lower) || strip.contains(lower)
                    || overridden.contains(lower) || lower.startsWith(":") || !isValidName(e.getKey())
                    || e.getValue() == null || !isValidValue(e.getValue())) {
                continue;
            }
            result.put(lower, e.getValue());
        }
        return result;
    }

    /**
     * A response's headers for the stored reply: names lower-case, without hop-by-hop headers, content-length and
     * content-type (the reply has its own); several values joined with ", ", but {@code set-cookie}'s with a
     * newline, as a cookie's value may hold commas.
     */
    static Map<String, String> replyHeaders(HttpHeaders headers) {
        Map<String, String> result = new TreeMap<>();
        for (Map.Entry<String, List<String>> e : headers.map().entrySet()) {
            String lower = e.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(lower) || lower.equals("content-length") || lower.equals("content-type")
                    || lower.startsWith(":") || e.getValue().isEmpty()) {
                continue;
            }
            String joined = String.join(lower.equals("set-cookie") ? "\n" : ", ", e.getValue());
            result.merge(lower, joined, (a, b) -> a + (lower.equals("set-cookie") ? "\n" : ", ") + b);
        }
        return result;
    }

    private static String lookup(Map<String, String> headers, String name) {
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }
}
