package io.openhqm.plugin.egress.http;

import static io.openhqm.plugin.egress.http.EgressFixture.attempt;
import static io.openhqm.plugin.egress.http.EgressFixture.context;
import static io.openhqm.plugin.egress.http.EgressFixture.create;
import static io.openhqm.plugin.egress.http.EgressFixture.endpoint;
import static io.openhqm.plugin.egress.http.EgressFixture.json;
import static io.openhqm.plugin.egress.http.EgressFixture.proxy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.openhqm.api.processing.Outcome;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code http_version = "2"} against a backend that speaks HTTP/2 over plain TCP (h2c), on 127.0.0.1. */
class HttpEgressH2cIT {
    private final List<String> protocols = new CopyOnWriteArrayList<>();
    private Undertow server;
    private int port;

    @BeforeEach
    void startBackend() {
        server = Undertow.builder().setServerOption(UndertowOptions.ENABLE_HTTP2, true)
                .addHttpListener(0, "127.0.0.1")
                .setHandler(exchange -> exchange.getRequestReceiver().receiveFullBytes((done, body) -> {
                    protocols.add(done.getProtocol().toString());
                    done.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                    done.getResponseSender().send(done.getProtocol() + " " + body.length);
                })).build();
        server.start();
        port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    @AfterEach
    void stopBackend() {
        server.stop();
    }

    @Test
    void http2SpeaksH2cToABackendThatOffersIt() throws Exception {
        try (HttpEgress egress = create(proxy(Map.of("h2", endpoint("http://127.0.0.1:" + port + "/hook",
                "http_version", "2"))), context())) {
            for (int i = 0; i < 3; i++) {
                Outcome.Completed done = assertInstanceOf(Outcome.Completed.class,
                        egress.send(json("{\"n\":" + i + "}"), attempt()));
                assertEquals(200, done.reply().statusCode());
            }
        }
        assertEquals(3, protocols.size());
        assertEquals("HTTP/2.0", protocols.get(2), "after the upgrade the calls go over HTTP/2: " + protocols);
    }

    @Test
    void http11StaysOnHttp11() throws Exception {
        try (HttpEgress egress = create(proxy(Map.of("h1", endpoint("http://127.0.0.1:" + port + "/hook"))),
                context())) {
            Outcome.Completed done = assertInstanceOf(Outcome.Completed.class, egress.send(json("{}"), attempt()));
            assertEquals("HTTP/1.1 2", new String(done.reply().body(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of("HTTP/1.1"), protocols);
    }
}
