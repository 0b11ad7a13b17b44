package io.openhqm.plugin.egress.http;

import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/** How a response is described in an error: status with reason phrase, and a one-line excerpt of the body. */
final class ResponseText {
    static final int EXCERPT_CHARS = 256;

    private static final Map<Integer, String> REASONS = Map.ofEntries(
            Map.entry(200, "OK"), Map.entry(201, "Created"), Map.entry(202, "Accepted"),
            Map.entry(204, "No Content"), Map.entry(300, "Multiple Choices"), Map.entry(301, "Moved Permanently"),
            Map.entry(302, "Found"),
            Map.entry(303, "See Other"), Map.entry(304, "Not Modified"), Map.entry(307, "Temporary Redirect"),
            Map.entry(308, "Permanent Redirect"), Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"),
            Map.entry(402, "Payment Required"), Map.entry(403, "Forbidden"), Map.entry(404, "Not Found"),
            Map.entry(405, "Method Not Allowed"), Map.entry(406, "Not Acceptable"),
            Map.entry(407, "Proxy Authentication Required"), Map.entry(408, "Request Timeout"),
            Map.entry(409, "Conflict"), Map.entry(410, "Gone"), Map.entry(411, "Length Required"),
            Map.entry(412, "Precondition Failed"), Map.entry(413, "Content Too Large"),
            Map.entry(414, "URI Too Long"), Map.entry(415, "Unsupported Media Type"),
            Map.entry(416, "Range Not Satisfiable"), Map.entry(417, "Expectation Failed"),
            Map.entry(421, "Misdirected Request"), Map.entry(422, "Unprocessable Content"), Map.entry(423, "Locked"),
            Map.entry(424, "Failed Dependency"), Map.entry(425, "Too Early"), Map.entry(426, "Upgrade Required"),
            Map.entry(428, "Precondition Required"), Map.entry(429, "Too Many Requests"),
            Map.entry(431, "Request Header Fields Too Large"), Map.entry(451, "Unavailable For Legal Reasons"),
            Map.entry(500, "Internal Server Error"), Map.entry(501, "Not Implemented"),
            Map.entry(502, "Bad Gateway"), Map.entry(503, "Service Unavailable"),
            Map.entry(504, "Gateway Timeout"), Map.entry(505, "HTTP Version Not Supported"),
            Map.entry(507, "Insufficient Storage"), Map.entry(508, "Loop Detected"),
            Map.entry(511, "Network Authentication Required"));

    private ResponseText() {
    }

    /** {@code "HTTP 503 Service Unavailable"}. */
    static String status(int status) {
        String reason = REASONS.get(status);
        return "HTTP " + status + (reason != null ? " " + reason : "");
    }

    /**
     * The first {@value #EXCERPT_CHARS} characters of a textual body on one line, or {@code "(N bytes of type)"} for
     * another body; empty for an empty body.
     */
    static String excerpt(byte[] body, String contentType) {
        if (body.length == 0) {
            return "";
        }
        if (!isText(contentType)) {
            return "(" + body.length + " bytes of " + contentType + ")";
        }
        int take = Math.min(body.length, EXCERPT_CHARS * 4);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(body, 0, take)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return "(" + body.length + " bytes)";
        }
        String line = text.replaceAll("[\\p{Cntrl}\\s]+", " ").trim();
        if (line.length() > EXCERPT_CHARS) {
            return line.substring(0, EXCERPT_CHARS) + "…";
        }
        return take < body.length ? line + "…" : line;
    }

    private static boolean isText(String contentType) {
        if (contentType == null) {
            return true;
        }
        String ct = contentType.toLowerCase(Locale.ROOT);
        return ct.startsWith("text/") || ct.contains("json") || ct.contains("xml")
                || ct.startsWith("application/x-www-form-urlencoded") || ct.startsWith("application/javascript");
    }
}
