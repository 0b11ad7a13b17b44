package io.openhqm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image tar the build wrote, run with no container runtime: its layers unpacked and its entry point started
 * in new mount and PID namespaces, on its read-only root, as its user (see {@link Container}).
 */
class ImageIT {
    private static final Path TAR = Path.of(System.getProperty("hqm.image.tar",
            "target/hqm-server-image-0.1.0-SNAPSHOT.tar"));
    private static final String NAME = System.getProperty("hqm.image.name", "openhqm/hqm-server:0.1.0-SNAPSHOT");
    private static final String UID = System.getProperty("hqm.image.uid", "10001");

    @TempDir
    static Path unpacked;
    static Image image;

    @TempDir
    Path work;
    private final List<Container> containers = new ArrayList<>();

    @BeforeAll
    static void unpack() throws Exception {
        image = Image.unpack(TAR, unpacked);
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Container container : containers) {
            container.stop();
        }
    }

    @Test
    void theTarIsTheTaggedImageForDockerLoad() {
        assertEquals(NAME, image.manifest().get("RepoTags").get(0).asText(), image.manifest().toString());
        assertEquals(image.manifest().get("Layers").size(),
                image.config().get("rootfs").get("diff_ids").size(), "one diff id per layer");
        JsonNode config = image.containerConfig();
        assertEquals("/opt/java/bin/java", image.entrypoint().get(0), "java itself, no shell: " + config);
        assertEquals(List.of("all"), image.cmd());
        assertEquals(UID, image.uid());
        assertNotEquals("0", image.uid());
        assertEquals("/opt/openhqm", image.workingDir());
        assertTrue(config.get("Volumes").has("/tmp") && config.get("Volumes").has("/opt/openhqm/data"),
                config.toString());
        assertTrue(config.get("ExposedPorts").has("8000/tcp"), config.toString());
        String jvmOptions = image.environment().get("JDK_JAVA_OPTIONS");
        assertTrue(jvmOptions.contains("-XX:MaxRAMPercentage=") && jvmOptions.contains("-XX:+ExitOnOutOfMemoryError"),
                jvmOptions);
    }

    @Test
    void theEntryPointIsPid1AsTheImageUserServesTheQuickstartAndDrainsOnSigterm() throws Exception {
        Path data = volume("data");
        Container container = container(data, "first.log");
        container.start(Map.of("OPENHQM_WORKER__COUNT", "2", "OPENHQM_WORKER__SHUTDOWN_GRACE", "2s"));

        JsonNode health = Container.json(container.get("/health"));
        assertEquals("healthy", health.get("status").asText(), health.toString());
        long pid = container.java().pid();
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        assertTrue(status.lines().anyMatch(line -> line.matches("NSpid:\\s+" + pid + "\\s+1")),
                "PID 1 in its namespace:\n" + status);
        assertTrue(status.lines().anyMatch(line -> line.matches("Uid:(\\s+" + UID + "){4}")), status);
        assertTrue(Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).endsWith("opt/java/bin/java"));
        assertTrue(Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo")).stream()
                .map(line -> line.split(" "))
                .anyMatch(mount -> mount[4].equals("/") && mount[5].startsWith("ro")), "the root is read-only");

        HttpResponse<String> submitted = container.post("/api/v1/submit",
                "{\"payload\": {\"operation\": \"echo\", \"data\": \"Hello World\"}}");
        assertEquals(202, submitted.statusCode(), submitted.body());
        String echo = Container.json(submitted).get("correlation_id").asText();
        JsonNode result = Container.json(container.get("/api/v1/response/" + echo + "?wait=30"));
        assertEquals("COMPLETED", result.get("status").asText(), result.toString());
        assertEquals("Hello World", result.get("result").get("output").asText());

        List<String> sleeping = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            sleeping.add(Container.json(container.post("/api/v1/submit",
                    "{\"payload\": {\"operation\": \"sleep\", \"ms\": 3000}}")).get("correlation_id").asText());
        }
        Thread.sleep(500);
        long started = System.nanoTime();
        container.java().destroy();
        int exit = container.awaitExit(Duration.ofSeconds(20));
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        assertEquals(143, exit, "the JVM ends on SIGTERM (128 + 15) after its shutdown hook:\n" + container.log());
        assertTrue(seconds <= 10, "exited in " + seconds + " s, the grace is 2 s");
        assertTrue(container.log().contains("\"stopped\""), container.log());

        Container again = container(data, "second.log");
        again.start(Map.of("OPENHQM_WORKER__COUNT", "6"));
        for (String id : sleeping) {
            JsonNode done = Container.json(again.get("/api/v1/response/" + id + "?wait=30"));
            assertEquals("COMPLETED", done.path("status").asText(), done.toString());
        }
        assertTrue(Files.exists(data.resolve("openhqm.db")), "the embedded queue lives on the data volume");
    }

    private Container container(Path data, String log) throws IOException {
        Container container = new Container(image, volume("tmp-" + log), data, work.resolve(log));
        containers.add(container);
        return container;
    }

    /** A folder for a volume, owned by the image's user as a fresh volume of a runtime would be writable to it. */
    private Path volume(String name) throws IOException {
        Path folder = Files.createDirectory(work.resolve(name));
        Files.setAttribute(folder, "unix:uid", Integer.parseInt(image.uid()));
        Files.setAttribute(folder, "unix:gid", Integer.parseInt(image.gid()));
        return folder;
    }
}
