package io.openhqm.deploy;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The fields of KEDA's {@code keda.sh/v1alpha1} {@code ScaledObject} these deployments may use; any other field
 * is unknown and fails the parse. Trigger metadata values stay JSON nodes so a test can see whether each was
 * written as a string, as KEDA requires.
 */
record ScaledObject(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {

    record Spec(ScaleTargetRef scaleTargetRef, Integer pollingInterval, Integer cooldownPeriod,
                Integer idleReplicaCount, Integer minReplicaCount, Integer maxReplicaCount, List<Trigger> triggers) {
    }

    record ScaleTargetRef(String apiVersion, String kind, String name, String envSourceContainerName) {
    }

    record Trigger(String type, String name, String metricType, Boolean useCachedMetrics,
                   Map<String, JsonNode> metadata, AuthenticationRef authenticationRef) {
    }

    record AuthenticationRef(String name, String kind) {
    }
}
