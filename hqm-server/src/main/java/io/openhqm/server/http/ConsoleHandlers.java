package io.openhqm.server.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.ETag;
import io.undertow.util.ETagUtils;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.PathTemplateMatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Map;

/**
 * The web console at {@link #PATH}: one page and its assets (its script and style, and uPlot, the charting library,
 * with its licence), all read from this jar once, so it works offline. The page itself needs no key: it holds no
 * data and asks the admin API for everything, with the admin key the user enters. Every answer forbids inline
 * script, framing and content sniffing, and is revalidated by {@code ETag} on each load.
 */
final class ConsoleHandlers {
    static final String PATH = "/console";
    /** Redirected to {@link #PATH}: the page's links are absolute, so one address is enough. */
    static final String PATH_WITH_SLASH = PATH + "/";
    static final String ASSETS = "/console/assets/{name}";
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'none'";
    private static final String RESOURCES = "console/";

    private record Asset(byte[] bytes, String contentType, ETag etag) {
    }

    private final Asset page;
    private final Map<String, Asset> assets;

    ConsoleHandlers() {
        this.page = asset("index.html", "text/html; charset=utf-8");
        this.assets = Map.of(
                "console.js", asset("console.js", "text/javascript; charset=utf-8"),
                "console.css", asset("console.css", "text/css; charset=utf-8"),
                "uplot.iife.min.js", asset("uplot/uPlot.iife.min.js", "text/javascript; charset=utf-8"),
                "uplot.min.css", asset("uplot/uPlot.min.css", "text/css; charset=utf-8"),
                "uplot-LICENSE.txt", asset("uplot/LICENSE", "text/plain; charset=utf-8"));
    }

    HttpHandler page() {
        return exchange -> send(exchange, page);
    }

    HttpHandler redirectToPage() {
        return exchange -> {
            String query = exchange.getQueryString();
            exchange.setStatusCode(301);
            exchange.getResponseHeaders().put(Headers.LOCATION, query.isEmpty() ? PATH : PATH + "?" + query);
            exchange.endExchange();
        };
    }

    HttpHandler assets() {
        return exchange -> {
            String name = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get("name");
            Asset asset = assets.get(name);
            if (asset == null) {
                Problem.notFound("No such console asset: " + exchange.getRequestPath() + ".").send(exchange);
                return;
            }
            send(exchange, asset);
        };
    }

    private static void send(HttpServerExchange exchange, Asset asset) {
        HeaderMap headers = exchange.getResponseHeaders();
        headers.put(Headers.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
                .put(Headers.X_CONTENT_TYPE_OPTIONS, "nosniff")
                .put(Headers.X_FRAME_OPTIONS, "DENY")
                .put(Headers.REFERRER_POLICY, "no-referrer")
                .put(Headers.CACHE_CONTROL, "no-cache")
                .put(Headers.ETAG, asset.etag().toString());
        if (!ETagUtils.handleIfNoneMatch(exchange, asset.etag(), false)) {
            exchange.setStatusCode(304);
            exchange.endExchange();
            return;
        }
        headers.put(Headers.CONTENT_TYPE, asset.contentType());
        exchange.getResponseSender().send(ByteBuffer.wrap(asset.bytes()));
    }

    private static Asset asset(String resource, String contentType) {
        try (InputStream in = ConsoleHandlers.class.getResourceAsStream(RESOURCES + resource)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCES + resource + " is missing from the class path");
            }
            byte[] bytes = in.readAllBytes();
            return new Asset(bytes, contentType, new ETag(false, HexFormat.of().formatHex(ApiKeys.digest(bytes), 0,
                    16)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCES + resource, e);
        }
    }
}
