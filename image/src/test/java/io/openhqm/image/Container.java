package io.openhqm.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The image's entry point run as a container runtime would run it, without one: the image's root (its layers
 * unpacked) mounted read-only in a new mount namespace, with {@code /proc}, {@code /dev}, the host's
 * {@code /etc/hosts} and {@code /etc/resolv.conf}, and a writable folder on each of the image's volumes; then, in
 * a new PID namespace, {@code unshare --root} switches to that root, the image's working folder and user, and
 * executes the image's entry point and command with the image's environment. The network is the host's.
 */
final class Container {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Runs as root in the new namespaces, on the host's files: ROOT TMP DATA then the command to exec. */
    private static final String MOUNTS = """
            set -e
            root=$1 tmp=$2 data=$3
            shift 3
            mount --bind "$root" "$root"
            mount -o remount,bind,ro "$root"
            mount -t proc proc "$root/proc"
            mount --rbind /dev "$root/dev"
            mount --bind /etc/hosts "$root/etc/hosts"
            mount --bind /etc/resolv.conf "$root/etc/resolv.conf"
            mount --bind "$tmp" "$root/tmp"
            mount --bind "$data" "$root/opt/openhqm/data"
            exec "$@"
            """;

    final int port = freePort();
    private final Image image;
    private final Path tmp;
    private final Path data;
    private final Path log;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process unshare;
    private ProcessHandle java;

    /** A container of {@code image} with the volume folders {@code tmp} and {@code data}, its output in {@code log}. */
    Container(Image image, Path tmp, Path data, Path log) {
        this.image = image;
        this.tmp = tmp;
        this.data = data;
        this.log = log;
    }

    /**
     * Starts the entry point with the image's command and environment, plus {@code environment} and the listener
     * on 127.0.0.1:{@link #port}, and waits for /health.
     */
    void start(Map<String, String> environment) throws IOException, InterruptedException {
        Map<String, String> env = new LinkedHashMap<>(image.environment());
        env.put("OPENHQM_SERVER__HOST", "127.0.0.1");
        env.put("OPENHQM_SERVER__PORT", Integer.toString(port));
        env.putAll(environment);
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--kill-child",
                "sh", "-c", MOUNTS, "sh", image.root().toString(), tmp.toString(), data.toString(), "env", "-i"));
        env.forEach((name, value) -> command.add(name + "=" + value));
        command.addAll(List.of(onPath("unshare"), "--root=" + image.root(), "--wd=" + image.workingDir(),
                "--setuid", image.uid(), "--setgid", image.gid(), "--"));
        command.addAll(image.entrypoint());
        command.addAll(image.cmd());
        unshare = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!unshare.isAlive()) {
                throw new IllegalStateException("the container exited with " + unshare.exitValue() + ":\n" + log());
            }
            if (java == null) {
                java = unshare.children().findFirst().orElse(null);
            }
            try {
                if (get("/health").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no answer on /health in 60 s:\n" + log());
    }

    /** The entry point's process as the host sees it. */
    ProcessHandle java() {
        return java;
    }

    /** Exit status of the container (the entry point's, which unshare passes on), or -1 if not in {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        return unshare.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? unshare.exitValue() : -1;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    void stop() throws InterruptedException {
        // The parent-death signal of --kill-child does not survive the change of user: end the JVM itself.
        if (java != null && java.isAlive()) {
            java.destroyForcibly();
        }
        if (unshare != null && unshare.isAlive()) {
            unshare.destroyForcibly();
            unshare.waitFor(30, TimeUnit.SECONDS);
        }
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(40)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    /** The host's {@code name} found on the PATH: the command runs under {@code env -i}, with the image's PATH. */
    private static String onPath(String name) {
        try (Stream<String> folders = Stream.of(System.getenv("PATH").split(":"))) {
            return folders.map(folder -> Path.of(folder, name)).filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new IllegalStateException(name + " is not on the PATH (util-linux)"))
                    .toString();
        }
    }
}
