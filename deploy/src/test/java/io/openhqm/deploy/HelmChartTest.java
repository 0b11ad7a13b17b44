package io.openhqm.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.openhqm.deploy.KubernetesYaml.Document;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The chart {@code deploy/helm/openhqm}, rendered by the Go Helm library (helm-java), produces for each seed
 * deployment exactly the objects of the plain manifests: every rendered document parses strictly into its typed
 * model and equals, as parsed data, the manifest object of the same kind and name.
 */
class HelmChartTest {

    private static final Path CHART = Scenario.deployDir().resolve("helm/openhqm");

    /** A release of the chart and the manifests it must equal. */
    record Release(String name, String valuesFile, String autoscaling, String scenario, List<String> subFolders) {
        @Override
        public String toString() {
            return name + " -f " + valuesFile + " (autoscaling " + autoscaling + ") = kubernetes/" + scenario
                    + subFolders.stream().map(s -> " + " + s + "/").collect(Collectors.joining());
        }
    }

    static Stream<Release> releases() {
        return Stream.of(
                new Release("openhqm", "values-http-to-queue.yaml", "keda", "http-to-queue", List.of("keda")),
                new Release("openhqm", "values-http-to-queue.yaml", "hpa", "http-to-queue", List.of("hpa")),
                new Release("openhqm", "values-http-to-queue.yaml", "none", "http-to-queue", List.of()),
                new Release("openhqm-kafka-bridge", "values-queue-to-http.yaml", "keda", "queue-to-http",
                        List.of("keda")),
                new Release("legacy-app", "values-sidecar.yaml", "keda", "sidecar", List.of("keda")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("releases")
    void theChartRendersThePlainManifests(Release release) {
        String rendered = template(release.name()).withValuesFile(CHART.resolve(release.valuesFile()))
                .set("autoscaling.mode", release.autoscaling()).call();

        Map<String, JsonNode> chart = byId(KubernetesYaml.read("helm template " + release, rendered));
        Map<String, JsonNode> manifests = byId(Scenario.load(release.scenario()).with(release.subFolders()));

        assertEquals(manifests.keySet(), chart.keySet(), release + ": the same objects");
        for (String id : manifests.keySet()) {
            String difference = firstDifference("", manifests.get(id), chart.get(id));
            assertNull(difference, release + ": " + id + " differs from the manifest at " + difference);
        }
    }

    /** The path of the first place where the two trees differ, with both values; null when they are equal. */
    private static String firstDifference(String path, JsonNode manifest, JsonNode chart) {
        if (manifest.equals(chart)) {
            return null;
        }
        if (manifest.isObject() && chart.isObject()) {
            Set<String> names = new TreeSet<>(manifest.propertyNames());
            names.addAll(chart.propertyNames());
            for (String name : names) {
                String difference = firstDifference(path + "." + name, manifest.path(name), chart.path(name));
                if (difference != null) {
                    return difference;
                }
            }
        }
        if (manifest.isArray() && chart.isArray() && manifest.size() == chart.size()) {
            for (int i = 0; i < manifest.size(); i++) {
                String difference = firstDifference(path + "[" + i + "]", manifest.get(i), chart.get(i));
                if (difference != null) {
                    return difference;
                }
            }
        }
        return path + ": manifest " + manifest + ", chart " + chart;
    }

    @Test
    void anUnknownPatternOrAutoscalingModeFailsTheRendering() {
        Exception pattern = assertThrows(RuntimeException.class,
                () -> template("x").set("pattern", "http-to-kafka").call());
        assertTrue(pattern.getMessage().contains("pattern must be http-to-queue, queue-to-http or sidecar"),
                pattern.getMessage());
        Exception mode = assertThrows(RuntimeException.class,
                () -> template("x").set("autoscaling.mode", "vpa").call());
        assertTrue(mode.getMessage().contains("autoscaling.mode must be keda, hpa or none"), mode.getMessage());
    }

    @Test
    void theChartPassesStrictLint() {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertFalse(lint.isFailed(), String.join("\n", lint.getMessages()));
    }

    private static TemplateCommand template(String releaseName) {
        return new Helm(CHART).template().withName(releaseName).withKubeVersion("1.30.0");
    }

    private static Map<String, JsonNode> byId(List<Document> documents) {
        Map<String, JsonNode> byId = new TreeMap<>();
        for (Document document : documents) {
            if (byId.put(document.id(), document.tree()) != null) {
                throw new AssertionError(document.id() + " is there twice");
            }
        }
        return byId;
    }
}
