package io.openhqm.plugin.sample;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openhqm.api.message.Message;
import io.openhqm.api.processing.Attempt;
import io.openhqm.api.processing.BatchItem;
import io.openhqm.api.processing.Outcome;
import io.openhqm.api.processing.Processor;
import io.openhqm.api.result.Reply;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo processor. The message body is a JSON object such as
 * {@code {"operation": "echo", "data": "Hello World"}}; the operation applies to {@code data}:
 * <ul>
 *   <li>{@code echo}: returns {@code data} unchanged;</li>
 *   <li>{@code uppercase}, {@code reverse}: {@code data} must be a string;</li>
 *   <li>{@code error}: fails permanently, with {@code message} as the error if given;</li>
 *   <li>{@code sleep}: sleeps {@code ms} milliseconds (default {@value #DEFAULT_SLEEP_MS}), then returns
 *       {@code data}; an interrupt ends the sleep at once with {@link InterruptedException};</li>
 *   <li>{@code flaky}: asks for a retry while the attempt number is at most {@code failures} (default
 *       {@value #DEFAULT_FAILURES}), then returns {@code data} and the number of attempts.</li>
 * </ul>
 * A successful result is {@code {"output": <result>, "operation": <name>}} as {@code application/json}.
 * Processed in a batch ({@code worker.batch_size} above 1, {@link #processBatch}), each message is processed on
 * its own, so one message's failure fails only that message, and each result also says where it was:
 * {@code "batch": {"index": i, "size": n}}.
 * A body that is not a JSON object, or an unknown or missing operation, fails permanently with an error
 * naming the problem and the valid operations.
 *
 * <p>Thread-safe: the processor holds no mutable state (Jackson's {@code ObjectMapper} is safe to share once
 * configured), and every operation is idempotent.
 */
public final class SampleProcessor implements Processor {

    static final long DEFAULT_SLEEP_MS = 1000;
    static final int DEFAULT_FAILURES = 2;
    static final String OPERATIONS = "echo, uppercase, reverse, error, sleep, flaky";

    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    @Override
    public Outcome process(Message message, Attempt attempt) throws InterruptedException {
        JsonNode body;
        try {
            body = mapper.readTree(message.body());
        } catch (IOException e) {
            return invalid("the body is not valid JSON (" + firstLine(e) + ")");
        }
        if (body == null || body.isMissingNode()) {
            return invalid("the body is empty");
        }
        if (!body.isObject()) {
            return invalid("the body is " + describe(body) + ", not a JSON object");
        }
        JsonNode operation = body.get("operation");
        if (operation == null || operation.isNull()) {
            return invalid("the body has no \"operation\"");
        }
        if (!operation.isTextual()) {
            return invalid("\"operation\" must be a string, was " + describe(operation));
        }
        JsonNode data = body.get("data");
        return switch (operation.asText()) {
            case "echo" -> completed("echo", data);
            case "uppercase" -> data != null && data.isTextual()
                    ? completed("uppercase", text(data.asText().toUpperCase(Locale.ROOT)))
                    : notAString("uppercase", data);
            case "reverse" -> data != null && data.isTextual()
                    ? completed("reverse", text(new StringBuilder(data.asText()).reverse().toString()))
                    : notAString("reverse", data);
            case "error" -> error(body.get("message"));
            case "sleep" -> sleep(body, data);
            case "flaky" -> flaky(body, data, attempt);
            default -> invalid("unknown operation \"" + operation.asText() + "\"");
        };
    }

    @Override
    public List<Outcome> processBatch(List<BatchItem> items) throws InterruptedException {
        List<Outcome> outcomes = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Outcome outcome = process(items.get(i).message(), items.get(i).attempt());
            outcomes.add(outcome instanceof Outcome.Completed completed
                    ? inBatch(completed.reply(), i, items.size()) : outcome);
        }
        return outcomes;
    }

    private Outcome inBatch(Reply reply, int index, int size) {
        try {
            ObjectNode result = (ObjectNode) mapper.readTree(reply.body());
            result.putObject("batch").put("index", index).put("size", size);
            return reply(result);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read back a result written here", e);
        }
    }

    private Outcome error(JsonNode message) {
        String error = message != null && message.isTextual() && !message.asText().isBlank()
                ? message.asText()
                : "operation \"error\" fails on purpose";
        return new Outcome.Failed(error, null);
    }

    private Outcome sleep(JsonNode body, JsonNode data) throws InterruptedException {
        JsonNode ms = body.get("ms");
        long millis = DEFAULT_SLEEP_MS;
        if (ms != null && !ms.isNull()) {
            if (!ms.isIntegralNumber() || !ms.canConvertToLong() || ms.asLong() < 0) {
                return new Outcome.Failed("operation \"sleep\": \"ms\" must be a whole number of milliseconds"
                        + " >= 0, was " + describe(ms), null);
            }
            millis = ms.asLong();
        }
        // Thread.sleep throws InterruptedException as soon as the engine interrupts the worker (deadline
        // passed or shutdown); letting it propagate tells the engine the attempt did not finish.
        Thread.sleep(millis);
        ObjectNode result = result("sleep", data);
        result.put("slept_ms", millis);
        return reply(result);
    }

    private Outcome flaky(JsonNode body, JsonNode data, Attempt attempt) {
        JsonNode failuresNode = body.get("failures");
        int failures = DEFAULT_FAILURES;
        if (failuresNode != null && !failuresNode.isNull()) {
            if (!failuresNode.isIntegralNumber() || !failuresNode.canConvertToInt() || failuresNode.asInt() < 0) {
                return new Outcome.Failed("operation \"flaky\": \"failures\" must be a whole number >= 0, was "
                        + describe(failuresNode), null);
            }
            failures = failuresNode.asInt();
        }
        if (attempt.number() <= failures) {
            return new Outcome.Retry("operation \"flaky\" fails on purpose: attempt " + attempt.number()
                    + " of " + failures + " planned failures", null);
        }
        ObjectNode result = result("flaky", data);
        result.put("attempts", attempt.number());
        return reply(result);
    }

    private Outcome completed(String operation, JsonNode output) {
        return reply(result(operation, output));
    }

    private static ObjectNode result(String operation, JsonNode output) {
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.set("output", output == null ? JsonNodeFactory.instance.nullNode() : output);
        result.put("operation", operation);
        return result;
    }

    private Outcome reply(ObjectNode result) {
        try {
            return new Outcome.Completed(Reply.json(mapper.writeValueAsBytes(result)));
        } catch (JsonProcessingException e) {
            // A tree of plain nodes always serializes; this would be a bug in Jackson or here.
            throw new IllegalStateException("cannot serialize the result", e);
        }
    }

    private static JsonNode text(String value) {
        return JsonNodeFactory.instance.textNode(value);
    }

    private static Outcome notAString(String operation, JsonNode data) {
        return new Outcome.Failed("operation \"" + operation + "\" needs \"data\" to be a string, was "
                + describe(data), null);
    }

    private static Outcome invalid(String problem) {
        return new Outcome.Failed(problem + "; expected a JSON object like {\"operation\": \"echo\", \"data\": ...}"
                + " with \"operation\" one of: " + OPERATIONS, null);
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        return switch (node.getNodeType()) {
            case NULL -> "null";
            case BOOLEAN -> "a boolean (" + node.asText() + ")";
            case NUMBER -> "a number (" + node.asText() + ")";
            case STRING -> "a string";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static String firstLine(Exception e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
