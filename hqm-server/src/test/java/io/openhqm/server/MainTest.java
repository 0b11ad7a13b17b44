package io.openhqm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: exit codes and what is printed. */
class MainTest {
    @TempDir
    Path home;

    private record Run(int status, String out, String err) {
    }

    private Run run(Map<String, String> environment, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] withHome = new String[args.length + 2];
        System.arraycopy(args, 0, withHome, 0, args.length);
        withHome[args.length] = "--home";
        withHome[args.length + 1] = home.toString();
        int status = Main.run(withHome, environment, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void checkConfigPrintsTheEffectiveConfigWithSecretsMasked() {
        Run run = run(Map.of("OPENHQM_WORKER__COUNT", "7"), "check-config", "--set",
                "proxy.endpoints.api.url=\"https://example.com/x\"", "--set",
                "proxy.endpoints.api.auth_type=bearer", "--set", "proxy.endpoints.api.auth_token=s3cr3t-token");

        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("7"), run.out());
        assertTrue(run.out().contains("https://example.com/x"), run.out());
        assertTrue(!run.out().contains("s3cr3t-token"), "the token is masked");
    }

    @Test
    void aTypoFailsNamingTheKey() {
        Run run = run(Map.of(), "check-config", "--set", "worker.cuont=3");

        assertEquals(1, run.status());
        assertTrue(run.err().contains("worker.cuont"), run.err());
        assertTrue(run.err().contains("worker.count"), "suggests the right key: " + run.err());
    }

    @Test
    void checkConfigAcceptsAProcessingStatusDelayAndRejectsABadOneInOneLineNamingTheKey() {
        assertEquals(0, run(Map.of(), "check-config", "--set", "worker.processing_status_delay=0").status());
        Run run = run(Map.of(), "check-config", "--set", "worker.processing_status_delay=soon");

        assertEquals(1, run.status());
        List<String> lines = run.err().lines().filter(line -> line.contains("worker.processing_status_delay"))
                .toList();
        assertEquals(1, lines.size(), run.err());
    }

    @Test
    void checkConfigAsksThePluginsAboutTheirBlocks() {
        Run run = run(Map.of(), "check-config", "--set", "queue.embedded.bogus=1", "--set",
                "queue.embedded.visibility_timeout=-1s", "--set", "processors.sample.colour=red");

        assertEquals(1, run.status());
        assertTrue(run.err().contains("queue.embedded.bogus"), run.err());
        assertTrue(run.err().contains("queue.embedded.visibility_timeout"), run.err());
        assertTrue(run.err().contains("processors.sample.colour"), run.err());
        assertTrue(!java.nio.file.Files.exists(home.resolve("data")), "validating creates nothing");
    }

    @Test
    void aMissingPluginTypeIsNamed() {
        Run run = run(Map.of(), "check-config", "--set", "queue.type=rabbit");

        assertEquals(1, run.status());
        assertTrue(run.err().contains("queue.type: no plugin provides queue type \"rabbit\""), run.err());
        assertTrue(run.err().contains("embedded"), run.err());
    }

    @Test
    void pluginsListsWhatWasFound() throws Exception {
        Files.createDirectories(home.resolve("plugins"));
        Run run = run(Map.of(), "plugins");

        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("queue: embedded"), run.out());
        assertTrue(run.out().contains("processor: sample"), run.out());
    }

    @Test
    void wrongArgumentsExitWith2AndOneLine() {
        Run run = run(Map.of(), "--bogus");

        assertEquals(2, run.status());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("--bogus"));
    }

    @Test
    void versionAndHelp() {
        assertEquals(0, run(Map.of(), "version").status());
        assertTrue(run(Map.of(), "--help").out().contains("check-config"));
    }
}
