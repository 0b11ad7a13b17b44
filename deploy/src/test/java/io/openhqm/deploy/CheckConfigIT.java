package io.openhqm.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The OpenHQM configuration every container of the manifests carries (its ConfigMap file, found through its
 * {@code --config} argument and volume mount, plus its environment with dummy values for the Secrets) passes
 * {@code bin/hqm-server check-config} of the distribution built in this reactor, and the effective configuration
 * agrees with the manifest: the port the container opens, and a grace period that covers the shutdown.
 */
@Execution(ExecutionMode.CONCURRENT)
class CheckConfigIT {

    @TempDir
    Path temp;

    static Stream<OpenHqmContainer> containers() {
        return OpenHqmContainer.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void theShippedConfigurationIsValidAndMatchesTheManifest(OpenHqmContainer c) throws Exception {
        String role = c.role();
        Path configFile = write(c.configText());

        CheckConfig result = checkConfig(configFile, c.environment());
        assertEquals(0, result.exitCode(), c + ": check-config says\n" + result.stderr());

        Config effective = ConfigFactory.parseString(result.stdout());
        int port = c.container().getPorts().getFirst().getContainerPort();
        assertEquals(port, effective.getInt(role.equals("worker") ? "management.port" : "server.port"),
                c + ": the container opens the port the " + role + " listens on");
        long grace = effective.getDuration("worker.shutdown_grace", TimeUnit.SECONDS);
        long pause = c.container().getLifecycle().getPreStop().getSleep().getSeconds();
        long period = c.deployment().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        assertTrue(period >= grace + pause, c + ": terminationGracePeriodSeconds " + period
                + " covers worker.shutdown_grace " + grace + " s plus the preStop pause " + pause + " s");
        if (c.scenario().name().equals("sidecar") && role.equals("listener")) {
            assertEquals("proxy", effective.getString("server.mode"), "the sidecar is a transparent proxy");
        }
    }

    @Test
    void aTypoInAShippedConfigurationFailsNamingTheKey() throws Exception {
        OpenHqmContainer worker = containers().filter(c -> c.role().equals("worker")).findFirst().orElseThrow();
        Path typo = write(worker.configText().replace("shutdown_grace", "shutdown_grase"));

        CheckConfig result = checkConfig(typo, worker.environment());

        assertEquals(1, result.exitCode(), result.stdout());
        assertTrue(result.stderr().contains("worker.shutdown_grase: unknown key"), result.stderr());
    }

    private Path write(String text) throws IOException {
        return Files.writeString(Files.createTempFile(temp, "openhqm", ".conf"), text);
    }

    record CheckConfig(int exitCode, String stdout, String stderr) {
    }

    private static CheckConfig checkConfig(Path configFile, Map<String, String> containerEnv) throws Exception {
        Process process = Distribution.start(Distribution.hqmServer(containerEnv, "check-config", "--config",
                configFile.toString()));
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("check-config did not finish in 60 s");
        }
        return new CheckConfig(process.exitValue(), stdout.get(), stderr.get());
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
