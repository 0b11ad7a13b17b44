package io.openhqm.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.server.HttpHandler;
import io.undertow.util.ETag;
import io.undertow.util.ETagUtils;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * The OpenAPI 3.1 document of the HTTP API ({@code openapi.json} beside this class), with {@code info.version} set
 * to the server's version. Served without authentication (it holds no secrets), with an {@code ETag}.
 */
final class OpenApiDocument {
    static final String PATH = "/api/v1/openapi.json";
    private static final String RESOURCE = "openapi.json";

    private final byte[] bytes;
    private final ETag etag;

    OpenApiDocument(String version) {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            ObjectNode document = (ObjectNode) Json.MAPPER.readTree(in);
            ((ObjectNode) document.get("info")).put("version", version);
            this.bytes = Json.MAPPER.writeValueAsBytes(document);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        this.etag = new ETag(false, HexFormat.of().formatHex(ApiKeys.digest(bytes), 0, 16));
    }

    HttpHandler handler() {
        return exchange -> {
            exchange.getResponseHeaders().put(Headers.ETAG, etag.toString())
                    .put(Headers.CACHE_CONTROL, "public, max-age=300");
            if (!ETagUtils.handleIfNoneMatch(exchange, etag, false)) {
                exchange.setStatusCode(304);
                exchange.endExchange();
                return;
            }
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
        };
    }
}
