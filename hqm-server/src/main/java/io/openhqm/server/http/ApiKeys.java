package io.openhqm.server.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Ingress authentication by API key ({@code server.auth.api_keys}). A request presents its key in
 * {@code X-API-Key} or as {@code Authorization: Bearer <key>}; its owner token is a digest of the key, so
 * results are readable only with the key that submitted them, and keys are never stored.
 */
final class ApiKeys {
    /** Who sent a request: the owner token and the header its key came from ({@code null} without auth). */
    record Caller(String owner, String credentialHeader) {
        static final Caller ANONYMOUS = new Caller(null, null);
    }

    private final List<byte[]> digests;

    ApiKeys(List<String> keys) {
        this.digests = keys.stream().map(ApiKeys::digest).toList();
    }

    int size() {
        return digests.size();
    }

    boolean enabled() {
        return !digests.isEmpty();
    }

    /**
     * The caller of the request; {@link Caller#ANONYMOUS} when authentication is off.
     *
     * @throws SecurityException when authentication is on and the key is missing or unknown
     */
    Caller caller(HttpServerExchange exchange) {
        if (!enabled()) {
            return Caller.ANONYMOUS;
        }
        String header = exchange.getRequestHeaders().contains("x-api-key") ? "x-api-key" : "authorization";
        String key = presented(exchange);
        if (key == null) {
            throw new SecurityException("This server requires an API key in X-API-Key or Authorization: Bearer.");
        }
        byte[] presented = digest(key);
        boolean known = false;
        for (byte[] digest : digests) {
            known |= MessageDigest.isEqual(digest, presented);
        }
        if (!known) {
            throw new SecurityException("The API key is not valid.");
        }
        return new Caller(HexFormat.of().formatHex(presented, 0, 16), header);
    }

    /** The key the request presents in {@code X-API-Key} or {@code Authorization: Bearer}, or {@code null}. */
    static String presented(HttpServerExchange exchange) {
        String key = exchange.getRequestHeaders().getFirst("x-api-key");
        if (key == null) {
            String authorization = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
            if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                key = authorization.substring(7).trim();
            }
        }
        return key == null || key.isEmpty() ? null : key;
    }

    /** The caller, or {@code null} after answering 401 when the key is missing or unknown. */
    Caller authenticate(HttpServerExchange exchange) {
        try {
            return caller(exchange);
        } catch (SecurityException e) {
            Problem.of(401, "unauthorized", "Unauthorized", e.getMessage())
                    .send(exchange, Map.of("WWW-Authenticate", "Bearer"));
            return null;
        }
    }

    static byte[] digest(String value) {
        return digest(value.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] digest(byte[] value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
