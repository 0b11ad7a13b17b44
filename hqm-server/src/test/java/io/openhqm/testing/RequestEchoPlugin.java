package io.openhqm.testing;

import io.openhqm.api.Plugin;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.processing.Outcome;
import io.openhqm.api.processing.Processor;
import io.openhqm.api.processing.ProcessorFactory;
import io.openhqm.api.result.Reply;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A processor of type {@code request-echo} that plays the backend of the transparent proxy: it answers each message
 * with what it received (listed in this test class path's {@code META-INF/services}). The reply's body and content
 * type are the message's; its headers name the method ({@code x-echo-method}), path, query, the carried header names
 * and the {@code x-test} header. The path steers it: {@code /status/N} answers status N, {@code /slow/MS} sleeps
 * first, {@code /cookies} sets two cookies, {@code /fail} fails without a reply, {@code /fail-with-reply} fails with
 * the backend's 404; any other path answers without a status code, as a processor does.
 */
public final class RequestEchoPlugin implements Plugin {

    @Override
    public String spiVersion() {
        return SPI_VERSION;
    }

    @Override
    public List<ProcessorFactory> processorFactories() {
        return List.of(new ProcessorFactory() {
            @Override
            public String type() {
                return "request-echo";
            }

            @Override
            public Processor create(PluginConfig config, PluginContext context) {
                return (message, attempt) -> echo(message);
            }
        });
    }

    private static Outcome echo(Message message) throws InterruptedException {
        MessageMetadata metadata = message.metadata();
        String path = metadata.path() == null ? "" : metadata.path();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-echo-method", String.valueOf(metadata.method()));
        headers.put("x-echo-path", path);
        headers.put("x-echo-query", String.valueOf(metadata.query()));
        headers.put("x-echo-header-names", String.join(",", new TreeSet<>(message.headers().keySet())));
        if (message.headers().containsKey("x-test")) {
            headers.put("x-echo-test", message.headers().get("x-test"));
        }
        Integer status = null;
        if (path.startsWith("/status/")) {
            status = Integer.parseInt(path.substring("/status/".length()));
        } else if (path.startsWith("/slow/")) {
            Thread.sleep(Long.parseLong(path.substring("/slow/".length())));
        } else if (path.equals("/cookies")) {
            status = 200;
            headers.put("set-cookie", "a=1; Path=/\nb=2; Path=/");
            headers.put("keep-alive", "timeout=99");
            headers.put("connection", "x-hop");
            headers.put("x-hop", "1");
            headers.put("content-length", "999");
            headers.put("transfer-encoding", "chunked");
        } else if (path.equals("/fail")) {
            return Outcome.failed("the backend refused the request");
        } else if (path.equals("/fail-with-reply")) {
            return Outcome.failed("the backend answered 404", new Reply("not here".getBytes(StandardCharsets.UTF_8),
                    "text/plain", Map.of("x-reason", "gone"), 404));
        }
        return Outcome.completed(new Reply(message.body(), message.contentType(), headers, status));
    }
}
