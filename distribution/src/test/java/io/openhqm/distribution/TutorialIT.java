package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/writing-a-processor-plugin.md as a plugin author follows it: its files, taken from the guide's code blocks,
 * are built with Maven from their own pom against the installed hqm-api, dropped into a copy of the distribution,
 * configured and run.
 */
class TutorialIT {
    private static final Path ROOT = Path.of(System.getProperty("hqm.root", ".."));
    private static final String VERSION = System.getProperty("hqm.version", "0.1.0-SNAPSHOT");
    private static final Pattern BLOCK = Pattern.compile("(?ms)^```(\\w*)\\n(.*?)^```");
    private static final Pattern TYPE =
            Pattern.compile("(?m)^(?:public )?(?:final )?(?:class|record|interface) (\\w+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;
    Installation installation;

    @AfterEach
    void stop() throws InterruptedException {
        if (installation != null) {
            installation.stop();
        }
    }

    @Test
    void theGuidesPluginBuildsFromItsOwnPomAndRuns() throws Exception {
        Path project = writeTheGuidesFiles(work.resolve("word-count"));
        maven(work, "-q", "org.apache.maven.plugins:maven-install-plugin:3.1.3:install-file",
                "-Dfile=" + ROOT.resolve("hqm-api/target/hqm-api-" + VERSION + ".jar"), "-DgroupId=io.openhqm",
                "-DartifactId=hqm-api", "-Dversion=" + VERSION, "-Dpackaging=jar", "-DgeneratePom=true");
        maven(project, "-q", "package");

        installation = Installation.copyTo(work.resolve("home"));
        Path folder = Files.createDirectories(installation.home.resolve("plugins/word-count"));
        Files.copy(project.resolve("target/word-count-1.0.0.jar"), folder.resolve("word-count-1.0.0.jar"));
        try (Stream<Path> libs = Files.list(project.resolve("target/lib"))) {
            for (Path lib : libs.toList()) {
                Files.copy(lib, folder.resolve(lib.getFileName()));
            }
        }

        Installation.Result listing = installation.run("plugins");
        assertTrue(listing.out().contains("processor: word-count") && listing.out().contains("jackson-databind"),
                listing.out());
        Installation.Result badKey = installation.run("check-config", "--set", "worker.processor=word-count",
                "--set", "processors.word-count.top=500");
        assertEquals(1, badKey.status(), badKey.out());
        assertTrue(badKey.err().contains("processors.word-count.top: must be 0 to 100, was 500"), badKey.err());

        installation.start("--set", "worker.processor=word-count", "--set", "processors.word-count.top=2");
        JsonNode counted = waitFor("{\"payload\": {\"text\": \"the quick brown fox jumps over the lazy dog\"}}");
        assertEquals("COMPLETED", counted.get("status").asText(), counted.toString());
        assertEquals(JSON.readTree("{\"words\": 9, \"unique\": 8, \"top\": [{\"word\": \"the\", \"count\": 2},"
                + " {\"word\": \"brown\", \"count\": 1}]}"), counted.get("result"));
        JsonNode refused = waitFor("{\"payload\": {\"words\": \"no text field\"}}");
        assertEquals("FAILED", refused.get("status").asText(), refused.toString());
        assertTrue(refused.get("error").asText().contains("\"text\" string"), refused.toString());
    }

    /** The guide's pom, service file and Java sources, each from its code block, as a Maven project. */
    private static Path writeTheGuidesFiles(Path project) throws IOException {
        String guide = Files.readString(ROOT.resolve("docs/writing-a-processor-plugin.md"));
        List<String> written = new ArrayList<>();
        Matcher block = BLOCK.matcher(guide);
        while (block.find()) {
            String language = block.group(1);
            String text = block.group(2);
            Path file = null;
            if (language.equals("xml") && text.startsWith("<?xml")) {
                file = project.resolve("pom.xml");
            } else if (language.isEmpty() && text.strip().equals("com.example.wordcount.WordCountPlugin")) {
                file = project.resolve("src/main/resources/META-INF/services/io.openhqm.api.Plugin");
            } else if (language.equals("java") && text.startsWith("package com.example.wordcount;")) {
                Matcher type = TYPE.matcher(text);
                assertTrue(type.find(), "a Java block of the guide declares no type:\n" + text);
                file = project.resolve("src/main/java/com/example/wordcount/" + type.group(1) + ".java");
            }
            if (file != null) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, text);
                written.add(project.relativize(file).toString());
            }
        }
        assertEquals(6, written.size(), "the guide's files: " + written);
        return project;
    }

    private static void maven(Path directory, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("mvn", "-B", "-ntp"));
        command.addAll(List.of(arguments));
        Path log = directory.resolve("maven-" + System.nanoTime() + ".log");
        Files.createDirectories(directory);
        Process maven = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!maven.waitFor(5, TimeUnit.MINUTES)) {
            maven.destroyForcibly();
            throw new AssertionError("mvn " + String.join(" ", arguments) + " did not finish in 5 minutes");
        }
        assertEquals(0, maven.exitValue(), "mvn " + String.join(" ", arguments) + ":\n" + Files.readString(log));
    }

    private JsonNode waitFor(String submission) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + installation.port + "/api/v1/submit"))
                .header("Content-Type", "application/json").header("Prefer", "wait=10")
                .POST(HttpRequest.BodyPublishers.ofString(submission, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        assertNotNull(body.get("status"), response.body());
        return body;
    }
}
