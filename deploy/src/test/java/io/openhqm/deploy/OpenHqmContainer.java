package io.openhqm.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A container of the manifests that runs OpenHQM, and what it would run: its role and {@code --config} file
 * (the ConfigMap key mounted there), and its environment with dummy values for the Secrets.
 */
record OpenHqmContainer(Scenario scenario, Deployment deployment, Container container) {

    /** Dummy Secret values where the configuration needs a well-formed one. */
    private static final Map<String, String> DUMMY_SECRETS = Map.of("openhqm-redis/address", "redis:6379");

    static Stream<OpenHqmContainer> all() {
        return Scenario.NAMES.stream().map(Scenario::load).flatMap(scenario -> scenario.deployments().stream()
                .flatMap(d -> Scenario.containers(d).stream().filter(Scenario::isOpenHqm)
                        .map(c -> new OpenHqmContainer(scenario, d, c))));
    }

    /** The first argument: {@code all}, {@code listener} or {@code worker}. */
    String role() {
        String role = container.getArgs().getFirst();
        if (!Set.of("all", "listener", "worker").contains(role)) {
            throw new AssertionError(this + ": the first argument is the role, not " + role);
        }
        return role;
    }

    /** The arguments after the role, which must be {@code --config FILE}. */
    Path configPath() {
        List<String> args = container.getArgs();
        if (args.size() != 3 || !args.get(1).equals("--config")) {
            throw new AssertionError(this + ": the arguments are the role and --config FILE, not " + args);
        }
        return Path.of(args.get(2));
    }

    /** The text of the ConfigMap key mounted at {@link #configPath()}. */
    String configText() {
        Path file = configPath();
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        VolumeMount mount = container.getVolumeMounts().stream()
                .filter(m -> file.getParent().equals(Path.of(m.getMountPath()))).findFirst()
                .orElseThrow(() -> new AssertionError(this + ": nothing is mounted at " + file.getParent()));
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                .orElseThrow();
        String configMapName = volume.getConfigMap().getName();
        ConfigMap configMap = scenario.configMaps().stream()
                .filter(m -> m.getMetadata().getName().equals(configMapName)).findFirst()
                .orElseThrow(() -> new AssertionError(this + ": ConfigMap " + configMapName + " is in " + scenario));
        String text = configMap.getData().get(file.getFileName().toString());
        if (text == null) {
            throw new AssertionError(this + ": ConfigMap " + configMapName + " has no key " + file.getFileName());
        }
        return text;
    }

    /** The container's environment, a dummy value for each Secret key. */
    Map<String, String> environment() {
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

    @Override
    public String toString() {
        return scenario + " " + deployment.getMetadata().getName() + "/" + container.getName();
    }
}
