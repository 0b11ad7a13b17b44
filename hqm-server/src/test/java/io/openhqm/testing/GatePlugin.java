package io.openhqm.testing;

import io.openhqm.api.Plugin;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.message.Message;
import io.openhqm.api.processing.Outcome;
import io.openhqm.api.processing.Processor;
import io.openhqm.api.processing.ProcessorFactory;
import io.openhqm.api.result.Reply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A processor of type {@code gate} (listed in this test class path's {@code META-INF/services}): it takes
 * {@link #PROCESSING_MILLIS} per message and answers with the message's body, except while {@link #OPEN} is false:
 * then a message whose body contains {@link #GATED} fails permanently, with its body in the error (so a test can make
 * dead letters, tell them apart by filter, and "fix the cause" before redriving them); one that contains {@link #HELD}
 * stays in processing until the gate opens; one that contains {@link #DEFERRED} is retried a minute later.
 */
public final class GatePlugin implements Plugin {
    public static final String GATED = "wait-for-gate";
    public static final String HELD = "hold-at-gate";
    public static final String DEFERRED = "retry-later";
    public static final long PROCESSING_MILLIS = 20;
    public static final AtomicBoolean OPEN = new AtomicBoolean(true);

    @Override
    public String spiVersion() {
        return SPI_VERSION;
    }

    @Override
    public List<ProcessorFactory> processorFactories() {
        return List.of(new ProcessorFactory() {
            @Override
            public String type() {
                return "gate";
            }

            @Override
            public Processor create(PluginConfig config, PluginContext context) {
                return (message, attempt) -> pass(message);
            }
        });
    }

    private static Outcome pass(Message message) throws InterruptedException {
        Thread.sleep(PROCESSING_MILLIS);
        String body = new String(message.body(), StandardCharsets.UTF_8);
        if (!OPEN.get() && body.contains(GATED)) {
            return Outcome.failed("the gate is closed to " + body);
        }
        if (!OPEN.get() && body.contains(DEFERRED)) {
            return Outcome.retry("the gate is closed", Duration.ofMinutes(1));
        }
        while (!OPEN.get() && body.contains(HELD)) {
            Thread.sleep(10);
        }
        return Outcome.completed(new Reply(message.body(), message.contentType(), Map.of(), null));
    }
}
