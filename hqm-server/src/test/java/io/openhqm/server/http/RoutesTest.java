package io.openhqm.server.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RoutesTest {
    @Test
    void reservedPathsAreTheApiHealthMetricsAndConsoleWithEverythingBelowThem() {
        for (String path : new String[] {"/api/v1", "/api/v1/submit", "/api/v1/anything/else", "/health",
                "/health/live", "/metrics", "/console", "/console/queues"}) {
            assertTrue(Routes.isReserved(path), path);
        }
        for (String path : new String[] {"/", "/api", "/api/v2/x", "/api/v10", "/healthz", "/metrics2", "/consoles",
                "/orders/health"}) {
            assertFalse(Routes.isReserved(path), path);
        }
    }
}
