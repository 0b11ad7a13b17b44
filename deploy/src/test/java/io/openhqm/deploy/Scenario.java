package io.openhqm.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.openhqm.deploy.KubernetesYaml.Document;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One of the seed's deployments as shipped in {@code deploy/kubernetes/<name>/}: the objects of the folder itself
 * and of its autoscaling sub-folders ({@code keda/}, {@code hpa/}).
 */
record Scenario(String name, List<Document> documents) {

    static final List<String> NAMES = List.of("http-to-queue", "queue-to-http", "sidecar");

    static Path deployDir() {
        return Path.of(System.getProperty("hqm.deploy", "."));
    }

    static String version() {
        return System.getProperty("hqm.version");
    }

    static Scenario load(String name) {
        return new Scenario(name, KubernetesYaml.readTree(deployDir().resolve("kubernetes").resolve(name)));
    }

    /** The documents of the folder itself plus those of the named sub-folders. */
    List<Document> with(List<String> subFolders) {
        return documents.stream().filter(d -> !d.origin().contains("/")
                || subFolders.stream().anyMatch(sub -> d.origin().startsWith(sub + "/"))).toList();
    }

    <T> List<T> all(Class<T> type) {
        return documents.stream().map(Document::typed).filter(type::isInstance).map(type::cast).toList();
    }

    List<Deployment> deployments() {
        return all(Deployment.class);
    }

    List<Service> services() {
        return all(Service.class);
    }

    List<ConfigMap> configMaps() {
        return all(ConfigMap.class);
    }

    List<ScaledObject> scaledObjects() {
        return all(ScaledObject.class);
    }

    List<HorizontalPodAutoscaler> autoscalers() {
        return all(HorizontalPodAutoscaler.class);
    }

    Optional<Deployment> deployment(String name) {
        return deployments().stream().filter(d -> d.getMetadata().getName().equals(name)).findFirst();
    }

    static List<Container> containers(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers();
    }

    static boolean isOpenHqm(Container container) {
        return container.getImage().startsWith("openhqm/");
    }

    @Override
    public String toString() {
        return name;
    }
}
