package io.openhqm.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The OpenHQM configuration every container of the manifests carries (its ConfigMap file, found through its
 * {@code --config} argument and volume mount, plus its environment with dummy values for the Secrets) passes
 * {@code bin/hqm-server check-config} of the distribution built in this reactor, and the effective configuration
 * agrees with the manifest: the port the container opens, and a grace period that covers the shutdown.
 */
class CheckConfigIT {

    /** Dummy Secret values where the configuration needs a well-formed one. */
    private static final Map<String, String> DUMMY_SECRETS = Map.of("openhqm-redis/address", "redis:6379");

    @TempDir
    Path temp;

    /** A container of a Deployment that runs OpenHQM. */
    record OpenHqmContainer(Scenario scenario, Deployment deployment, Container container) {
        @Override
        public String toString() {
            return scenario + " " + deployment.getMetadata().getName() + "/" + container.getName();
        }
    }

    static Stream<OpenHqmContainer> containers() {
        return Scenario.NAMES.stream().map(Scenario::load).flatMap(scenario -> scenario.deployments().stream()
                .flatMap(d -> Scenario.containers(d).stream().filter(Scenario::isOpenHqm)
                        .map(c -> new OpenHqmContainer(scenario, d, c))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void theShippedConfigurationIsValidAndMatchesTheManifest(OpenHqmContainer c) throws Exception {
        List<String> args = c.container().getArgs();
        String role = args.getFirst();
        assertTrue(Set.of("all", "listener", "worker").contains(role), c + ": the first argument is the role");
        assertEquals("--config", args.get(1), c + " passes its ConfigMap file as --config");
        Path configFile = write(configMapFile(c, Path.of(args.get(2))));

        CheckConfig result = checkConfig(configFile, environment(c.container()));
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
        OpenHqmContainer worker = containers().filter(c -> c.container().getArgs().getFirst().equals("worker"))
                .findFirst().orElseThrow();
        String config = configMapFile(worker, Path.of(worker.container().getArgs().get(2)));
        Path typo = write(config.replace("shutdown_grace", "shutdown_grase"));

        CheckConfig result = checkConfig(typo, environment(worker.container()));

        assertEquals(1, result.exitCode(), result.stdout());
        assertTrue(result.stderr().contains("worker.shutdown_grase: unknown key"), result.stderr());
    }

    /** The text of the ConfigMap key mounted at {@code file} in the container's pod. */
    private static String configMapFile(OpenHqmContainer c, Path file) {
        PodSpec pod = c.deployment().getSpec().getTemplate().getSpec();
        VolumeMount mount = c.container().getVolumeMounts().stream()
                .filter(m -> file.getParent().equals(Path.of(m.getMountPath()))).findFirst()
                .orElseThrow(() -> new AssertionError(c + ": nothing is mounted at " + file.getParent()));
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                .orElseThrow();
        String configMapName = volume.getConfigMap().getName();
        ConfigMap configMap = c.scenario().configMaps().stream()
                .filter(m -> m.getMetadata().getName().equals(configMapName)).findFirst()
                .orElseThrow(() -> new AssertionError(c + ": ConfigMap " + configMapName + " is in " + c.scenario()));
        String text = configMap.getData().get(file.getFileName().toString());
        if (text == null) {
            throw new AssertionError(c + ": ConfigMap " + configMapName + " has no key " + file.getFileName());
        }
        return text;
    }

    /** The container's environment, a dummy value for each Secret key. */
    private static Map<String, String> environment(Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar var : container.getEnv()) {
            if (var.getValue() != null) {
                env.put(var.getName(), var.getValue());
            } else {
                SecretKeySelector secret = var.getValueFrom().getSecretKeyRef();
                env.put(var.getName(), DUMMY_SECRETS.getOrDefault(secret.getName() + "/" + secret.getKey(),
                        "dummy-" + secret.getKey()));
            }
        }
        return env;
    }

    private Path write(String text) throws IOException {
        return Files.writeString(Files.createTempFile(temp, "openhqm", ".conf"), text);
    }

    record CheckConfig(int exitCode, String stdout, String stderr) {
    }

    private static CheckConfig checkConfig(Path configFile, Map<String, String> containerEnv) throws Exception {
        Path distribution = Path.of(System.getProperty("hqm.distribution"));
        ProcessBuilder builder = new ProcessBuilder(distribution.resolve("bin/hqm-server").toString(),
                "check-config", "--config", configFile.toString());
        // What the container has, plus what bin/hqm-server needs to find a JDK on this machine; nothing else of the
        // build's environment (OPENHQM_* variables, or a variable a ${?VAR} in the file would pick up).
        Map<String, String> environment = builder.environment();
        environment.keySet().retainAll(Set.of("PATH", "JAVA_HOME", "HOME"));
        environment.putAll(containerEnv);
        Process process = builder.start();
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
