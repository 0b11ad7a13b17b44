package io.openhqm.server.http;

import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Headers that belong to one connection, never to the message a request becomes nor to the response written from
 * a stored reply (RFC 9110 §7.6.1), plus those the framing of this server's own message sets: {@code host},
 * {@code content-length} and {@code expect}.
 */
final class HopByHopHeaders {
    private static final Set<String> NAMES = Set.of("connection", "keep-alive", "te", "trailer", "trailers",
            "transfer-encoding", "upgrade", "host", "content-length", "expect");

    private HopByHopHeaders() {
    }

    /** Whether {@code lowerCaseName} is hop-by-hop ({@code proxy-*} included). */
    static boolean contains(String lowerCaseName) {
        return NAMES.contains(lowerCaseName) || lowerCaseName.startsWith("proxy-");
    }

    /** The hop-by-hop names of a message: {@link #contains} and those its {@code Connection} header lists. */
    static Set<String> namedByConnection(HeaderMap headers) {
        Set<String> named = new HashSet<>();
        HeaderValues connection = headers.get(Headers.CONNECTION);
        if (connection != null) {
            for (String value : connection) {
                for (String token : value.split(",")) {
                    named.add(token.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return named;
    }
}
