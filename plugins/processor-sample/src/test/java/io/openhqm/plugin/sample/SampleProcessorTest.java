package io.openhqm.plugin.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.processing.Attempt;
import io.openhqm.api.processing.BatchItem;
import io.openhqm.api.processing.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SampleProcessorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SampleProcessor processor = new SampleProcessor();

    @Test
    void echoReturnsDataUnchanged() throws Exception {
        JsonNode result = completed(run("{\"operation\": \"echo\", \"data\": \"Hello World\"}", 1));
        assertEquals(JSON.readTree("{\"output\": \"Hello World\", \"operation\": \"echo\"}"), result);
    }

    @Test
    void echoKeepsStructuredData() throws Exception {
        JsonNode result = completed(run("{\"operation\": \"echo\", \"data\": {\"a\": [1, 2, null]}}", 1));
        assertEquals(JSON.readTree("{\"a\": [1, 2, null]}"), result.get("output"));
    }

    @Test
    void echoWithoutDataReturnsNull() throws Exception {
        JsonNode result = completed(run("{\"operation\": \"echo\"}", 1));
        assertTrue(result.get("output").isNull());
    }

    @Test
    void completedReplyIsJson() throws Exception {
        Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class,
                run("{\"operation\": \"echo\", \"data\": 1}", 1));
        assertEquals("application/json", completed.reply().contentType());
        assertNull(completed.reply().statusCode());
    }

    @Test
    void uppercase() throws Exception {
        JsonNode result = completed(run("{\"operation\": \"uppercase\", \"data\": \"Hello World\"}", 1));
        assertEquals("HELLO WORLD", result.get("output").asText());
        assertEquals("uppercase", result.get("operation").asText());
    }

    @Test
    void uppercaseIgnoresDefaultLocale() throws Exception {
        // In a Turkish locale "i".toUpperCase() is a dotted capital I; the processor must not depend on it.
        Locale saved = Locale.getDefault();
        Locale.setDefault(Locale.of("tr", "TR"));
        try {
            JsonNode result = completed(run("{\"operation\": \"uppercase\", \"data\": \"title\"}", 1));
            assertEquals("TITLE", result.get("output").asText());
        } finally {
            Locale.setDefault(saved);
        }
    }

    @Test
    void reverse() throws Exception {
        JsonNode result = completed(run("{\"operation\": \"reverse\", \"data\": \"Hello World\"}", 1));
        assertEquals("dlroW olleH", result.get("output").asText());
        assertEquals("reverse", result.get("operation").asText());
    }

    @Test
    void reverseKeepsSurrogatePairsIntact() throws Exception {
        JsonNode result = completed(run("{\"operation\": \"reverse\", \"data\": \"a\uD83D\uDE00b\"}", 1));
        assertEquals("b\uD83D\uDE00a", result.get("output").asText());
    }

    @Test
    void uppercaseAndReverseRejectNonStrings() throws Exception {
        for (String op : List.of("uppercase", "reverse")) {
            for (String data : List.of("42", "[1]", "{\"x\": 1}", "null", "true")) {
                String error = failed(run("{\"operation\": \"" + op + "\", \"data\": " + data + "}", 1));
                assertTrue(error.contains("operation \"" + op + "\" needs \"data\" to be a string"), error);
            }
            String error = failed(run("{\"operation\": \"" + op + "\"}", 1));
            assertTrue(error.contains("was missing"), error);
        }
    }

    @Test
    void errorFailsPermanentlyWithDefaultMessage() throws Exception {
        Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, run("{\"operation\": \"error\"}", 1));
        assertEquals("operation \"error\" fails on purpose", failed.error());
        assertNull(failed.reply());
    }

    @Test
    void errorUsesGivenMessage() throws Exception {
        String error = failed(run("{\"operation\": \"error\", \"message\": \"disk on fire\"}", 1));
        assertEquals("disk on fire", error);
    }

    @Test
    void sleepSleepsThenCompletes() throws Exception {
        long start = System.nanoTime();
        JsonNode result = completed(run("{\"operation\": \"sleep\", \"ms\": 150, \"data\": \"zzz\"}", 1));
        long elapsedMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertTrue(elapsedMs >= 150, "slept only " + elapsedMs + " ms");
        assertEquals("zzz", result.get("output").asText());
        assertEquals("sleep", result.get("operation").asText());
        assertEquals(150, result.get("slept_ms").asLong());
    }

    @Test
    void sleepRejectsBadDuration() throws Exception {
        for (String ms : List.of("-1", "1.5", "\"100\"", "true")) {
            String error = failed(run("{\"operation\": \"sleep\", \"ms\": " + ms + "}", 1));
            assertTrue(error.contains("\"ms\" must be a whole number of milliseconds"), error);
        }
    }

    @Test
    void sleepEndsPromptlyWhenInterrupted() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Thread> worker = new AtomicReference<>();
            Future<Outcome> future = executor.submit(() -> {
                worker.set(Thread.currentThread());
                started.countDown();
                return run("{\"operation\": \"sleep\", \"ms\": 60000}", 1);
            });
            started.await();
            Thread.sleep(50);
            long start = System.nanoTime();
            worker.get().interrupt();
            ExecutionException thrown = assertThrows(ExecutionException.class, () -> future.get(5, TimeUnit.SECONDS));
            assertInstanceOf(InterruptedException.class, thrown.getCause());
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2000);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void sleepWithInterruptFlagAlreadySetThrowsAtOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            Thread.currentThread().interrupt();
            try {
                assertThrows(InterruptedException.class, () -> run("{\"operation\": \"sleep\", \"ms\": 60000}", 1));
            } finally {
                Thread.interrupted();
            }
        });
    }

    @Test
    void flakyRetriesTwiceByDefaultThenCompletes() throws Exception {
        String body = "{\"operation\": \"flaky\", \"data\": \"ok\"}";
        assertInstanceOf(Outcome.Retry.class, run(body, 1));
        Outcome.Retry retry = assertInstanceOf(Outcome.Retry.class, run(body, 2));
        assertTrue(retry.error().contains("attempt 2 of 2"), retry.error());
        assertNull(retry.after());
        JsonNode result = completed(run(body, 3));
        assertEquals(JSON.readTree("{\"output\": \"ok\", \"operation\": \"flaky\", \"attempts\": 3}"), result);
    }

    @Test
    void flakyHonoursFailures() throws Exception {
        String body = "{\"operation\": \"flaky\", \"data\": 7, \"failures\": 4}";
        for (int n = 1; n <= 4; n++) {
            assertInstanceOf(Outcome.Retry.class, run(body, n));
        }
        assertEquals(5, completed(run(body, 5)).get("attempts").asInt());
        assertEquals(1, completed(run("{\"operation\": \"flaky\", \"failures\": 0}", 1)).get("attempts").asInt());
    }

    @Test
    void flakyRejectsBadFailures() throws Exception {
        String error = failed(run("{\"operation\": \"flaky\", \"failures\": -2}", 1));
        assertTrue(error.contains("\"failures\" must be a whole number >= 0"), error);
    }

    @Test
    void unknownOperationNamesTheValidOnes() throws Exception {
        String error = failed(run("{\"operation\": \"explode\", \"data\": 1}", 1));
        assertTrue(error.startsWith("unknown operation \"explode\""), error);
        assertTrue(error.contains("echo, uppercase, reverse, error, sleep, flaky"), error);
    }

    @Test
    void missingOrNonTextOperationFails() throws Exception {
        String missing = failed(run("{\"data\": 1}", 1));
        assertTrue(missing.startsWith("the body has no \"operation\""), missing);
        assertTrue(missing.contains(SampleProcessor.OPERATIONS), missing);
        String number = failed(run("{\"operation\": 3}", 1));
        assertTrue(number.startsWith("\"operation\" must be a string, was a number (3)"), number);
    }

    @Test
    void bodyThatIsNotAJsonObjectFails() throws Exception {
        Map<String, String> cases = Map.of(
                "[1, 2]", "the body is an array, not a JSON object",
                "\"echo\"", "the body is a string, not a JSON object",
                "42", "the body is a number (42), not a JSON object",
                "", "the body is empty",
                "{\"operation\": ", "the body is not valid JSON",
                "not json", "the body is not valid JSON",
                "{\"operation\": \"echo\"} trailing", "the body is not valid JSON");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String error = failed(run(c.getKey(), 1));
            assertTrue(error.startsWith(c.getValue()), "body <" + c.getKey() + ">: " + error);
            assertTrue(error.contains(SampleProcessor.OPERATIONS), error);
        }
    }

    @Test
    void isSafeToShareBetweenThreads() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(8);
        try {
            List<Callable<String>> tasks = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String data = "value-" + i;
                tasks.add(() -> completed(run("{\"operation\": \"reverse\", \"data\": \"" + data + "\"}", 1))
                        .get("output").asText());
            }
            List<Future<String>> results = executor.invokeAll(tasks);
            for (int i = 0; i < results.size(); i++) {
                assertEquals(new StringBuilder("value-" + i).reverse().toString(), results.get(i).get());
            }
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aBatchFailsOnlyItsFailingMessagesAndSaysWhereEachResultWas() throws Exception {
        List<String> bodies = List.of("{\"operation\": \"echo\", \"data\": 1}",
                "{\"operation\": \"error\", \"message\": \"bad row\"}", "{\"operation\": \"uppercase\", \"data\": \"x\"}");
        List<BatchItem> items = bodies.stream().map(body -> new BatchItem(message(body),
                new Attempt(1, Instant.now().plusSeconds(60)))).toList();

        List<Outcome> outcomes = processor.processBatch(items);

        assertEquals(3, outcomes.size());
        assertEquals(JSON.readTree("{\"output\": 1, \"operation\": \"echo\", \"batch\": {\"index\": 0, \"size\": 3}}"),
                completed(outcomes.get(0)));
        assertEquals("bad row", failed(outcomes.get(1)));
        assertEquals("X", completed(outcomes.get(2)).get("output").asText());
        assertEquals(2, completed(outcomes.get(2)).get("batch").get("index").asInt());
    }

    private static Message message(String body) {
        return new Message("id-1", body.getBytes(StandardCharsets.UTF_8), "application/json", Map.of(),
                MessageMetadata.defaults(Instant.now()));
    }

    private Outcome run(String body, int attempt) throws Exception {
        Message message = new Message("id-1", body.getBytes(StandardCharsets.UTF_8), "application/json", Map.of(),
                MessageMetadata.defaults(Instant.now()));
        return processor.process(message, new Attempt(attempt, Instant.now().plusSeconds(60)));
    }

    private static JsonNode completed(Outcome outcome) throws Exception {
        Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, outcome);
        return JSON.readTree(completed.reply().body());
    }

    private static String failed(Outcome outcome) {
        return assertInstanceOf(Outcome.Failed.class, outcome).error();
    }
}
