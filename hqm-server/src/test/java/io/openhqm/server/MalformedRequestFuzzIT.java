package io.openhqm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.server.cli.CommandLine.Command;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hundreds of malformed requests over raw sockets, generated from a seed ({@code -Dfuzz.seed=N} replays a run):
 * random bytes, broken JSON, deep nesting, huge numbers, odd methods, paths and headers, bodies that stop
 * half-way or go silent. None may get a 5xx (except the documented 501 for a method HTTP does not define and 503
 * with Retry-After for overload), none may hold its connection past the timeouts, and the server must stay
 * healthy.
 */
class MalformedRequestFuzzIT {
    private static final int CASES = 400;
    private static final String SUBMIT = "POST /api/v1/submit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    private static final String VALID = "{\"payload\": {\"operation\": \"echo\", \"data\": [1, \"two\", {\"3\": null}]},"
            + " \"metadata\": {\"priority\": 3, \"source\": \"web-app\"}}";

    @TempDir
    Path home;

    /** One generated request: its bytes, and whether the client then stops sending but keeps the socket open. */
    private record Case(String kind, byte[] bytes, boolean closeAfterSending) {
    }

    @Test
    void malformedRequestsGetNo5xxAndLeaveTheServerHealthy() throws Exception {
        long seed = Long.getLong("fuzz.seed", 20_261_129L);
        Random random = new Random(seed);
        List<Case> cases = new ArrayList<>();
        List<Function<Random, Case>> kinds = List.of(MalformedRequestFuzzIT::randomBytes,
                MalformedRequestFuzzIT::mutatedBody, MalformedRequestFuzzIT::deepNesting,
                MalformedRequestFuzzIT::hugeNumber, MalformedRequestFuzzIT::oddMethod,
                MalformedRequestFuzzIT::oddHeaders, MalformedRequestFuzzIT::bodyStoppingHalfWay,
                MalformedRequestFuzzIT::oddPath, MalformedRequestFuzzIT::brokenChunks);
        for (int i = 0; i < CASES; i++) {
            cases.add(kinds.get(random.nextInt(kinds.size())).apply(random));
        }

        try (Server server = ServerIT.start(home, Command.ALL, "server.max_wait=0", "server.idle_timeout=1s",
                "server.request_parse_timeout=500ms", "server.no_request_timeout=1s", "server.max_body_bytes=64KiB",
                "server.max_body_bytes_in_flight=256KiB")) {
            RawHttp raw = new RawHttp(server.address().getPort());
            List<Future<RawHttp.Answer>> answers = new ArrayList<>();
            Semaphore concurrency = new Semaphore(32);
            long started = System.nanoTime();
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (Case c : cases) {
                    answers.add(clients.submit(() -> {
                        concurrency.acquire();
                        try {
                            return send(raw, c);
                        } finally {
                            concurrency.release();
                        }
                    }));
                }
            }
            for (int i = 0; i < cases.size(); i++) {
                RawHttp.Answer answer = answers.get(i).get();
                String where = "seed " + seed + ", case " + i + " (" + cases.get(i).kind() + "): "
                        + printable(cases.get(i).bytes()) + "\n→ " + answer.text();
                assertTrue(answer.status() != 0, "the connection was neither answered nor closed; " + where);
                assertTrue(answer.status() < 500 || answer.status() == 501 && cases.get(i).kind().equals("odd method")
                        || answer.status() == 503 && answer.hasHeader("Retry-After", "1"), where);
                if (answer.status() >= 400 && answer.text().contains("application/problem+json")) {
                    assertTrue(!answer.body().contains("Exception") && !answer.body().contains("io.undertow")
                            && !answer.body().contains("com.fasterxml"), where);
                }
            }
            System.out.printf("fuzz: %d cases in %d ms (seed %d)%n", cases.size(),
                    (System.nanoTime() - started) / 1_000_000, seed);

            TestHttp http = new TestHttp(server.address().getPort());
            assertEquals(200, http.send(http.get("/health/live")).status());
            assertEquals(200, http.send(http.get("/health")).status());
            TestHttp.Reply submitted = http.send(http.post("/api/v1/submit", VALID));
            assertEquals(202, submitted.status(), submitted.body());
            String id = submitted.json().get("correlation_id").asText();
            TestHttp.Reply result = http.send(http.get("/api/v1/response/" + id));
            for (int i = 0; i < 200 && result.status() == 202; i++) {
                Thread.sleep(50);
                result = http.send(http.get("/api/v1/response/" + id));
            }
            assertEquals("COMPLETED", result.json().get("status").asText(), result.body());
        }
    }

    private static RawHttp.Answer send(RawHttp raw, Case c) throws IOException {
        try (Socket socket = raw.open(Duration.ofSeconds(4))) {
            try {
                socket.getOutputStream().write(c.bytes());
                socket.getOutputStream().flush();
                if (c.closeAfterSending()) {
                    socket.shutdownOutput();
                }
            } catch (IOException closedWhileSending) {
                // the server answered and closed before reading everything: read what it said
            }
            return RawHttp.read(socket);
        }
    }

    private static Case randomBytes(Random random) {
        byte[] bytes = new byte[1 + random.nextInt(2000)];
        random.nextBytes(bytes);
        return new Case("random bytes", bytes, random.nextBoolean());
    }

    private static Case mutatedBody(Random random) {
        byte[] body = VALID.getBytes(StandardCharsets.UTF_8);
        for (int n = 1 + random.nextInt(6); n > 0; n--) {
            body[random.nextInt(body.length)] = (byte) random.nextInt(256);
        }
        return submit("mutated JSON", body, random);
    }

    private static Case deepNesting(Random random) {
        int depth = 500 + random.nextInt(20_000);
        String open = random.nextBoolean() ? "[" : "{\"a\":";
        String close = open.equals("[") ? "]" : "}";
        String nested = open.repeat(depth) + "1" + close.repeat(random.nextInt(3) == 0 ? depth / 2 : depth);
        String body = switch (random.nextInt(3)) {
            case 0 -> "{\"payload\": " + nested + "}";
            case 1 -> "{\"payload\": 1, \"metadata\": {\"deep\": " + nested + "}}";
            default -> "{\"payload\": 1, \"headers\": " + nested + "}";
        };
        return submit("deep nesting", body.getBytes(StandardCharsets.UTF_8), random);
    }

    private static Case hugeNumber(Random random) {
        String digits = "9".repeat(900 + random.nextInt(4000));
        String number = switch (random.nextInt(4)) {
            case 0 -> digits;
            case 1 -> "-" + digits + ".5";
            case 2 -> "1e" + digits;
            default -> "0." + digits;
        };
        String field = List.of("\"payload\": " + number, "\"payload\": [" + number + "]",
                "\"payload\": 1, \"metadata\": {\"priority\": " + number + "}",
                "\"payload\": 1, \"metadata\": {\"timeout\": " + number + "}",
                "\"payload\": 1, \"metadata\": {\"stamp\": " + number + "}").get(random.nextInt(5));
        return submit("huge number", ("{" + field + "}").getBytes(StandardCharsets.UTF_8), random);
    }

    private static Case oddMethod(Random random) {
        String method = switch (random.nextInt(5)) {
            case 0 -> token(random, 1 + random.nextInt(12)).toUpperCase();
            case 1 -> token(random, 1 + random.nextInt(12)).toLowerCase();
            case 2 -> "X".repeat(1 + random.nextInt(5000));
            case 3 -> List.of("PROPFIND", "MKCOL", "BREW", "PRI", "TRACE", "CONNECT", "OPTIONS", "HEAD", "DELETE")
                    .get(random.nextInt(9));
            default -> "G\u00c9T";
        };
        String path = List.of("/api/v1/submit", "/api/v1/status/x", "/health", "/metrics", "/nope", "*")
                .get(random.nextInt(6));
        return new Case("odd method", (method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
                .getBytes(StandardCharsets.UTF_8), random.nextBoolean());
    }

    private static Case oddHeaders(Random random) {
        String headers = switch (random.nextInt(12)) {
            case 0 -> "Content-Length: -5\r\n";
            case 1 -> "Content-Length: 99999999999999999999999\r\n";
            case 2 -> "Content-Length: 2\r\nContent-Length: 7\r\n";
            case 3 -> "Content-Length: abc\r\n";
            case 4 -> "Prefer: wait=99999999999999999999999\r\nContent-Length: 2\r\n";
            case 5 -> "X-Correlation-ID: " + "a".repeat(200) + "\r\nContent-Length: 2\r\n";
            case 6 -> "Idempotency-Key: " + "k".repeat(300) + "\r\nContent-Length: 2\r\n";
            case 7 -> "X-Huge: " + "h".repeat(40_000) + "\r\nContent-Length: 2\r\n";
            case 8 -> "no colon here\r\nContent-Length: 2\r\n";
            case 9 -> "X-Folded: a\r\n  b\r\nContent-Length: 2\r\n";
            case 10 -> "Content-Type: application/json; charset=\"\u00ff\"\r\nContent-Length: 2\r\n";
            default -> "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n";
        };
        return new Case("odd headers", ("POST /api/v1/submit HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n{}")
                .getBytes(StandardCharsets.ISO_8859_1), random.nextBoolean());
    }

    private static Case bodyStoppingHalfWay(Random random) {
        byte[] body = VALID.getBytes(StandardCharsets.UTF_8);
        int sent = random.nextInt(body.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((SUBMIT + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, sent);
        return new Case("body stops half-way", out.toByteArray(), random.nextInt(4) != 0);
    }

    private static Case oddPath(Random random) {
        String target = List.of("/api/v1/response/%ZZ?wait=-1", "/api/v1/response/x?wait=99999999999999999999",
                "/api/v1/status/" + "é".repeat(300), "/api/v1/status/../../etc/passwd", "/api/v1/response/?wait=",
                "/" + "a/".repeat(3000), "/health?" + "q=1&".repeat(2000), "http://other.example/health",
                "/api/v1/status/%00", "/api/v1/response/x?wait=1&wait=2").get(random.nextInt(10));
        return new Case("odd path", ("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8), random.nextBoolean());
    }

    private static Case brokenChunks(Random random) {
        String chunks = switch (random.nextInt(5)) {
            case 0 -> "zz\r\n{}\r\n0\r\n\r\n";
            case 1 -> "FFFFFFFFFFFFFFFF\r\n{}";
            case 2 -> "5\r\n{}\r\n0\r\n\r\n";
            case 3 -> "2\r\n{}\r\n";
            default -> "20000\r\n" + "x".repeat(100);
        };
        return new Case("broken chunks", (SUBMIT + "Transfer-Encoding: chunked\r\n\r\n" + chunks)
                .getBytes(StandardCharsets.US_ASCII), random.nextBoolean());
    }

    private static Case submit(String kind, byte[] body, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((SUBMIT + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        return new Case(kind, out.toByteArray(), random.nextBoolean());
    }

    private static String token(Random random, int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~";
        StringBuilder token = new StringBuilder();
        for (int i = 0; i < length; i++) {
            token.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return token.toString();
    }

    private static String printable(byte[] bytes) {
        String text = new String(bytes, 0, Math.min(bytes.length, 300), StandardCharsets.ISO_8859_1);
        return text.replace("\r", "\\r").replace("\n", "\\n") + (bytes.length > 300 ? "…" : "");
    }
}
