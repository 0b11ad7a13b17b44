package io.openhqm.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server for tests, on a free port of 127.0.0.1: the Debian {@code /usr/bin/redis-server} where it is
 * installed, else the Linux binary bundled in the embedded-redis jar (Redis 6.2; {@code -Dopenhqm.test.redis=bundled}
 * forces it). Can be killed and started again
 * on the same port; a persistent server ({@link #startPersistent}) keeps its data across that (append-only file,
 * fsync on every write). {@link #call} is a minimal RESP client for assertions and external producers.
 */
public final class RedisServer implements AutoCloseable {
    private static final Path SYSTEM_BINARY = Path.of("/usr/bin/redis-server");
    private static final String BUNDLED_BINARY = "redis-server-6.2.6-v5-linux-amd64";
    private static Path extracted;

    private final Path binary;
    private final int port;
    private final Path dir;
    private final boolean persistent;
    private final String password;
    private Process process;

    private RedisServer(Path binary, int port, Path dir, boolean persistent, String password) {
        this.binary = binary;
        this.port = port;
        this.dir = dir;
        this.persistent = persistent;
        this.password = password;
    }

    /** A server without persistence. */
    public static RedisServer start() {
        return create(false, null);
    }

    /** A server without persistence that requires {@code password} (user {@code default}). */
    public static RedisServer startWithPassword(String password) {
        return create(false, password);
    }

    /** A server that keeps its data across {@link #kill()} and {@link #restart()}. */
    public static RedisServer startPersistent() {
        return create(true, null);
    }

    private static RedisServer create(boolean persistent, String password) {
        try {
            Path dir = Files.createTempDirectory("redis-test");
            RedisServer server = new RedisServer(binary(), freePort(), dir, persistent, password);
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Which binary runs: the system's or the bundled one. */
    public String binaryPath() {
        return binary.toString();
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}, with {@code :password@} if the server requires one. */
    public String url() {
        return "redis://" + (password != null ? ":" + password + "@" : "") + "127.0.0.1:" + port;
    }

    /** Stops the server at once (SIGKILL). */
    public void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts the server again on the same port (and, if persistent, with its data). */
    public void restart() {
        kill();
        launch();
    }

    private void launch() {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", "", "--daemonize", "no",
                "--logfile", dir.resolve("redis.log").toString()));
        if (password != null) {
            command.addAll(List.of("--requirepass", password));
        }
        if (persistent) {
            command.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
        } else {
            command.addAll(List.of("--appendonly", "no"));
        }
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + ": " + logTail());
            }
            try {
                if ("PONG".equals(call("PING"))) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // not listening, or still loading its data
            }
            sleep(20);
        }
        throw new IllegalStateException("redis-server did not answer PING in 20 s: " + logTail());
    }

    private String logTail() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /**
     * Sends one command and returns the reply: a String (simple or bulk, UTF-8), a Long, null, or a List of those.
     *
     * @throws IllegalStateException with the error text for an error reply
     */
    public Object call(String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            BufferedInputStream in = new BufferedInputStream(socket.getInputStream());
            if (password != null) {
                out.write(encode("AUTH", password));
                out.flush();
                read(in);
            }
            out.write(encode(args));
            out.flush();
            return read(in);
        } catch (IOException e) {
            throw new IllegalStateException("redis at port " + port + ": " + e.getMessage(), e);
        }
    }

    private static byte[] encode(String... args) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            request.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            request.write(bytes);
            request.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        return request.toByteArray();
    }

    /** {@link #call} expecting a whole number. */
    public long callLong(String... args) {
        return (Long) call(args);
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length);
                in.readNBytes(2);
                return new String(bytes, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default:
                throw new IOException("unexpected reply type " + (char) type);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\r') {
                in.read();
                break;
            }
            out.write(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static synchronized Path binary() throws IOException {
        // -Dopenhqm.test.redis=bundled tests the fallback on a machine that has redis-server installed.
        if (Files.isExecutable(SYSTEM_BINARY) && !"bundled".equals(System.getProperty("openhqm.test.redis"))) {
            return SYSTEM_BINARY;
        }
        if (extracted == null) {
            try (InputStream in = RedisServer.class.getClassLoader().getResourceAsStream(BUNDLED_BINARY)) {
                if (in == null) {
                    throw new IllegalStateException("no /usr/bin/redis-server and no " + BUNDLED_BINARY
                            + " on the class path (com.github.codemonstur:embedded-redis)");
                }
                Path file = Files.createTempFile("redis-server", "");
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                file.toFile().setExecutable(true);
                file.toFile().deleteOnExit();
                extracted = file;
            }
        }
        return extracted;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        kill();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
