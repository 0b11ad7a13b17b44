package io.openhqm.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads Kubernetes YAML strictly: a duplicate key fails the parse, and every document becomes its typed model
 * (fabric8 for the core kinds, {@link ScaledObject} for KEDA) with any unknown field failing. fabric8's models
 * collect unknown fields in an "additional properties" map; this reader turns that catch-all off.
 */
final class KubernetesYaml {

    /** One YAML document, where it came from, its tree and its typed model. */
    record Document(String origin, JsonNode tree, Object typed) {
        String kind() {
            return tree.path("kind").asString();
        }

        String name() {
            return tree.path("metadata").path("name").asString();
        }

        String id() {
            return tree.path("apiVersion").asString() + "/" + kind() + "/" + name();
        }
    }

    private static final Map<String, Class<?>> MODELS = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "keda.sh/v1alpha1/ScaledObject", ScaledObject.class);

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(MapperConfig<?> config, Annotated annotated) {
                    return Boolean.FALSE;
                }
            })
            .build();

    private KubernetesYaml() {
    }

    /** Every document of every {@code .yaml} file under {@code dir}, sub-folders included, in path order. */
    static List<Document> readTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Document> documents = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                documents.addAll(read(dir.relativize(file).toString(), Files.readString(file)));
            }
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The typed documents of one YAML text; empty documents (a template that rendered nothing) are skipped. */
    static List<Document> read(String origin, String yaml) {
        List<Document> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> trees = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            int index = 0;
            while (trees.hasNextValue()) {
                JsonNode tree = trees.nextValue();
                index++;
                if (tree == null || tree.isNull() || tree.isMissingNode() || tree.isEmpty()) {
                    continue;
                }
                String where = origin + " document " + index;
                documents.add(new Document(where, tree, typed(where, tree)));
            }
        }
        return documents;
    }

    private static Object typed(String where, JsonNode tree) {
        String type = tree.path("apiVersion").asString() + "/" + tree.path("kind").asString();
        Class<?> model = MODELS.get(type);
        if (model == null) {
            throw new AssertionError(where + ": " + type + " is not a kind these deployments use " + MODELS.keySet());
        }
        Object typed = STRICT.treeToValue(tree, model);
        if (typed instanceof HasMetadata resource && resource.getMetadata() == null) {
            throw new AssertionError(where + ": no metadata");
        }
        return typed;
    }
}
