package io.openhqm.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** The plain manifests under {@code deploy/kubernetes/}: typed, wired together, secure and scalable. */
class ManifestsTest {

    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(token|password|passwd|secret|api_?key|credential).*");

    static Stream<Scenario> scenarios() {
        return Scenario.NAMES.stream().map(Scenario::load);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everyDocumentIsATypedKubernetesObject(Scenario scenario) {
        assertFalse(scenario.documents().isEmpty());
        assertFalse(scenario.deployments().isEmpty(), scenario + " has a Deployment");
        assertEquals(1, scenario.configMaps().size(), scenario + " has one ConfigMap with the OpenHQM configuration");
        long distinct = scenario.documents().stream().map(KubernetesYaml.Document::id).distinct().count();
        assertEquals(scenario.documents().size(), distinct, scenario + ": an object is defined twice");
    }

    @Test
    void anUnknownFieldOrADuplicateKeyFailsTheParse() {
        String typo = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: x
                spec:
                  replica: 2
                """;
        assertThrows(RuntimeException.class, () -> KubernetesYaml.read("typo", typo));
        String duplicate = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: x
                  name: y
                """;
        assertThrows(RuntimeException.class, () -> KubernetesYaml.read("duplicate", duplicate));
        String kedaTypo = """
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata:
                  name: x
                spec:
                  scaleTargetRef:
                    name: x
                  maxReplicas: 3
                """;
        assertThrows(RuntimeException.class, () -> KubernetesYaml.read("keda typo", kedaTypo));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void selectorsMatchTheirTemplateAndNoOtherDeployment(Scenario scenario) {
        for (Deployment deployment : scenario.deployments()) {
            Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();
            assertFalse(selector == null || selector.isEmpty(), deployment.getMetadata().getName() + " has a selector");
            assertTrue(scenario.deployments().stream().filter(other -> selects(selector, other)).toList()
                    .equals(List.of(deployment)), deployment.getMetadata().getName()
                    + ": its selector matches its own template labels and no other Deployment's");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void servicesReachOneDeploymentOnAPortItsContainersOpen(Scenario scenario) {
        for (Service service : scenario.services()) {
            Map<String, String> selector = service.getSpec().getSelector();
            List<Deployment> targets = scenario.deployments().stream().filter(d -> selects(selector, d)).toList();
            assertEquals(1, targets.size(), service.getMetadata().getName() + " selects one Deployment");
            List<ContainerPort> open = Scenario.containers(targets.getFirst()).stream()
                    .flatMap(c -> c.getPorts().stream()).toList();
            for (ServicePort port : service.getSpec().getPorts()) {
                assertTrue(open.stream().anyMatch(p -> matches(port.getTargetPort(), p)),
                        service.getMetadata().getName() + " port " + port.getPort() + " -> " + port.getTargetPort()
                                + " is a container port of " + targets.getFirst().getMetadata().getName());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void probesUseTheContainersOwnPorts(Scenario scenario) {
        for (Deployment deployment : scenario.deployments()) {
            for (Container container : Scenario.containers(deployment)) {
                for (Probe probe : probes(container)) {
                    IntOrString port = probe.getHttpGet() != null ? probe.getHttpGet().getPort()
                            : probe.getTcpSocket().getPort();
                    assertTrue(container.getPorts().stream().anyMatch(p -> matches(port, p)),
                            container.getName() + " probes port " + port + ", which it opens");
                }
                assertNotNull(container.getReadinessProbe(), container.getName() + " has a readiness probe");
                if (Scenario.isOpenHqm(container)) {
                    assertEquals("/health/live", container.getLivenessProbe().getHttpGet().getPath());
                    assertEquals("/health/live", container.getStartupProbe().getHttpGet().getPath());
                    assertEquals("/health/ready", container.getReadinessProbe().getHttpGet().getPath());
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void imagesArePinnedAndOpenHqmIsThisVersion(Scenario scenario) {
        for (Deployment deployment : scenario.deployments()) {
            for (Container container : Scenario.containers(deployment)) {
                String image = container.getImage();
                String tag = image.substring(image.lastIndexOf('/') + 1).contains(":")
                        ? image.substring(image.lastIndexOf(':') + 1) : "";
                assertFalse(tag.isEmpty() || tag.equals("latest"), image + " names a tag other than latest");
                if (Scenario.isOpenHqm(container)) {
                    assertEquals("openhqm/hqm-server:" + Scenario.version(), image);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void openHqmRunsAsNonRootOnAReadOnlyRootWithScratchVolumes(Scenario scenario) {
        for (Deployment deployment : scenario.deployments()) {
            PodSpec pod = deployment.getSpec().getTemplate().getSpec();
            for (Container container : pod.getContainers()) {
                assertNotNull(container.getResources().getRequests().get("cpu"), container.getName() + " cpu request");
                assertNotNull(container.getResources().getRequests().get("memory"), container.getName());
                assertNotNull(container.getResources().getLimits().get("cpu"), container.getName() + " cpu limit");
                Quantity memoryLimit = container.getResources().getLimits().get("memory");
                assertNotNull(memoryLimit, container.getName() + " memory limit");
                assertNotNull(container.getLifecycle().getPreStop().getSleep(), container.getName()
                        + " pauses before SIGTERM so endpoints drop it first");
                if (!Scenario.isOpenHqm(container)) {
                    continue;
                }
                var security = container.getSecurityContext();
                assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem());
                assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation());
                assertEquals(List.of("ALL"), security.getCapabilities().getDrop());
                boolean nonRoot = Boolean.TRUE.equals(security.getRunAsNonRoot()) || pod.getSecurityContext() != null
                        && Boolean.TRUE.equals(pod.getSecurityContext().getRunAsNonRoot());
                assertTrue(nonRoot, container.getName() + " runs as non-root");
                for (String path : List.of("/tmp", "/opt/openhqm/data")) {
                    VolumeMount mount = container.getVolumeMounts().stream()
                            .filter(m -> m.getMountPath().equals(path)).findFirst().orElseThrow(
                                    () -> new AssertionError(container.getName() + " mounts " + path));
                    Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                            .findFirst().orElseThrow();
                    assertNotNull(volume.getEmptyDir(), path + " is an emptyDir");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void secretsComeOnlyFromSecrets(Scenario scenario) {
        for (Deployment deployment : scenario.deployments()) {
            for (Container container : Scenario.containers(deployment)) {
                for (EnvVar env : container.getEnv()) {
                    if (SECRET_NAME.matcher(env.getName()).matches()) {
                        assertNull(env.getValue(), env.getName() + " has no literal value");
                        assertNotNull(env.getValueFrom().getSecretKeyRef(), env.getName() + " comes from a Secret");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void autoscalersTargetDeploymentsWithoutFixedReplicas(Scenario scenario) {
        for (ScaledObject scaled : scenario.scaledObjects()) {
            Deployment target = scenario.deployment(scaled.spec().scaleTargetRef().name()).orElseThrow(
                    () -> new AssertionError(scaled.metadata().getName() + " scales a Deployment of " + scenario));
            assertNull(target.getSpec().getReplicas(), target.getMetadata().getName() + " leaves replicas to KEDA");
            Set<String> env = Scenario.containers(target).stream().flatMap(c -> c.getEnv().stream())
                    .map(EnvVar::getName).collect(java.util.stream.Collectors.toSet());
            assertFalse(scaled.spec().triggers().isEmpty());
            for (ScaledObject.Trigger trigger : scaled.spec().triggers()) {
                for (Map.Entry<String, JsonNode> entry : trigger.metadata().entrySet()) {
                    assertTrue(entry.getValue().isString(), trigger.type() + " metadata " + entry.getKey()
                            + " is a quoted string, as KEDA requires, not " + entry.getValue().getNodeType());
                    if (entry.getKey().endsWith("FromEnv")) {
                        assertTrue(env.contains(entry.getValue().asString()), trigger.type() + " "
                                + entry.getKey() + ": " + entry.getValue() + " is set in " + target.getMetadata().getName());
                    }
                }
            }
        }
        for (HorizontalPodAutoscaler hpa : scenario.autoscalers()) {
            Deployment target = scenario.deployment(hpa.getSpec().getScaleTargetRef().getName()).orElseThrow();
            assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
            assertNull(target.getSpec().getReplicas());
        }
    }

    @Test
    void eachWorkerPoolScalesOnItsBacklog() {
        Map<String, Set<String>> triggers = Map.of(
                "http-to-queue", Set.of("redis-streams:lagCount", "redis-streams:pendingEntriesCount", "prometheus"),
                "queue-to-http", Set.of("kafka:lagThreshold"),
                "sidecar", Set.of("redis-streams:lagCount", "redis-streams:pendingEntriesCount", "prometheus"));
        for (var expected : triggers.entrySet()) {
            Scenario scenario = Scenario.load(expected.getKey());
            Set<String> actual = scenario.scaledObjects().stream().flatMap(s -> s.spec().triggers().stream())
                    .map(t -> t.type() + (t.type().equals("prometheus") ? "" : ":" + t.metadata().keySet().stream()
                            .filter(k -> k.equals("lagCount") || k.equals("pendingEntriesCount")
                                    || k.equals("lagThreshold")).findFirst().orElse("?")))
                    .collect(java.util.stream.Collectors.toSet());
            assertEquals(expected.getValue(), actual, expected.getKey());
            scenario.scaledObjects().stream().flatMap(s -> s.spec().triggers().stream())
                    .filter(t -> t.type().equals("prometheus"))
                    .forEach(t -> assertTrue(t.metadata().get("query").asString().startsWith("max(openhqm_queue_depth{")));
        }
        assertEquals(1, Scenario.load("http-to-queue").autoscalers().size(), "the HPA example");
    }

    private static List<Probe> probes(Container container) {
        return Stream.of(container.getStartupProbe(), container.getLivenessProbe(), container.getReadinessProbe())
                .filter(java.util.Objects::nonNull).toList();
    }

    private static boolean selects(Map<String, String> selector, Deployment deployment) {
        Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        return labels != null && labels.entrySet().containsAll(selector.entrySet());
    }

    private static boolean matches(IntOrString port, ContainerPort containerPort) {
        return port.getStrVal() != null ? port.getStrVal().equals(containerPort.getName())
                : port.getIntVal().equals(containerPort.getContainerPort());
    }
}
