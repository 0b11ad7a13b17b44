package io.openhqm.server.config;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assertions;

/** Small helpers shared by the config tests. */
final class TestFiles {
    /** One loader for all tests: it only parses reference.conf once, and is stateless. */
    static final ConfigLoader LOADER = new ConfigLoader();

    private TestFiles() {
    }

    static Path write(Path dir, String relative, String content) {
        try {
            Path file = dir.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a test resource (e.g. "config/seed/01-....yaml") into dir and returns its path. */
    static Path copyResource(Path dir, String resource) {
        try (InputStream in = TestFiles.class.getClassLoader().getResourceAsStream(resource)) {
            Assertions.assertNotNull(in, "test resource " + resource + " is missing");
            Path file = dir.resolve(Path.of(resource).getFileName().toString());
            Files.write(file, in.readAllBytes());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts that text contains every part, showing the text on failure. */
    static void assertContains(String text, String... parts) {
        for (String part : parts) {
            Assertions.assertTrue(text != null && text.contains(part),
                    () -> "expected to contain <" + part + ">: " + text);
        }
    }

    static void assertNotContains(String text, String... parts) {
        for (String part : parts) {
            Assertions.assertFalse(text.contains(part), () -> "expected not to contain <" + part + ">: " + text);
        }
    }

    static void assertStartsWith(String text, String prefix) {
        Assertions.assertTrue(text.startsWith(prefix), () -> "expected to start with <" + prefix + ">: " + text);
    }

    static ServerConfig load(ConfigSources sources) {
        return LOADER.load(sources);
    }

    /** Loads, expecting failure; returns the problems. */
    static List<String> problems(ConfigSources sources) {
        HqmException e = assertThrows(HqmException.class, () -> LOADER.load(sources));
        Assertions.assertEquals(ErrorKind.CONFIG, e.kind());
        return e.problems();
    }

    /** The single problem, asserting there is exactly one. */
    static String problem(ConfigSources sources) {
        List<String> problems = problems(sources);
        Assertions.assertEquals(1, problems.size(), () -> "expected exactly one problem, got " + problems);
        return problems.get(0);
    }
}
