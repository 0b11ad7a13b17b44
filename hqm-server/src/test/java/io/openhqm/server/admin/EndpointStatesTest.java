package io.openhqm.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EndpointStatesTest {

    @Test
    void eachEndpointShowsItsBreakerGaugeByNameAndNoneWithoutOne() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AtomicInteger state = new AtomicInteger(0);
        Gauge.builder(EndpointStates.BREAKER_GAUGE, state, AtomicInteger::get).tag("endpoint", "orders")
                .register(meters);
        EndpointStates endpoints = new EndpointStates(Map.of("orders", "https://shop.example/orders",
                "audit", "http://audit:8080/log"), meters);

        assertEquals(List.of(new EndpointStates.EndpointState("audit", "http://audit:8080/log", null),
                new EndpointStates.EndpointState("orders", "https://shop.example/orders", "closed")), endpoints.list());
        state.set(1);
        assertEquals("open", endpoints.list().get(1).circuitBreaker());
        state.set(2);
        assertEquals("half_open", endpoints.list().get(1).circuitBreaker());
    }

    @Test
    void urlsLoseUserInfoQueryAndFragment() {
        assertEquals("https://shop.example:8443/a/b",
                EndpointStates.shown("https://u:pw@shop.example:8443/a/b?key=s#f"));
        assertEquals("http://audit/", EndpointStates.shown("http://audit/"));
        assertEquals("(not shown)", EndpointStates.shown("not a url"));
        assertEquals("mailto:…", EndpointStates.shown("mailto:ops@example.com"));
    }
}
