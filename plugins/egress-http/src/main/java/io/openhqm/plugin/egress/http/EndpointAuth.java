package io.openhqm.plugin.egress.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * The credentials OpenHQM sends to one endpoint: one header, set by OpenHQM on every call and never taken from the
 * message. {@link #toString()} shows the type and header name, never the value.
 *
 * @param type        how the header is made
 * @param headerName  the header's name, or {@code null} for {@link Type#NONE}
 * @param headerValue the header's value (a secret), or {@code null} for {@link Type#NONE}
 */
record EndpointAuth(Type type, String headerName, String headerValue) {

    /** The values of {@code auth_type}. */
    enum Type {
        NONE, BEARER, API_KEY, BASIC, CUSTOM;

        /** The type named {@code value} (case-insensitive), or {@code null}. */
        static Type named(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final String DEFAULT_API_KEY_HEADER = "X-API-Key";
    static final EndpointAuth NONE = new EndpointAuth(Type.NONE, null, null);

    static EndpointAuth bearer(String token) {
        return new EndpointAuth(Type.BEARER, "Authorization", "Bearer " + token);
    }

    static EndpointAuth apiKey(String headerName, String token) {
        return new EndpointAuth(Type.API_KEY, headerName, token);
    }

    static EndpointAuth basic(String username, String password) {
        String pair = username + ":" + password;
        return new EndpointAuth(Type.BASIC, "Authorization",
                "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }

    static EndpointAuth custom(String headerName, String value) {
        return new EndpointAuth(Type.CUSTOM, headerName, value);
    }

    @Override
    public String toString() {
        return type == Type.NONE ? "none" : type.key() + " (" + headerName + ": ****)";
    }
}
