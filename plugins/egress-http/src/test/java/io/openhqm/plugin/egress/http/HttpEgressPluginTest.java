package io.openhqm.plugin.egress.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.api.Plugin;
import io.openhqm.api.egress.EgressFactory;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class HttpEgressPluginTest {

    @Test
    void isFoundByServiceLoaderAndProvidesTypeHttp() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof HttpEgressPlugin).toList();
        assertEquals(1, plugins.size());
        assertEquals(Plugin.SPI_VERSION, plugins.get(0).spiVersion());
        assertEquals("egress-http", plugins.get(0).name());
        assertEquals(List.of("http"), plugins.get(0).egressFactories().stream().map(EgressFactory::type).toList());
    }

    @Test
    void createRejectsABadBlockWithEveryProblem() {
        HqmException e = assertThrows(HqmException.class, () -> new HttpEgressFactory().create(
                EgressFixture.proxy(Map.of("billing", EgressFixture.endpoint("http://127.0.0.1:9", "timeot", 5,
                        "auth_type", "bearer"))), EgressFixture.context()));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertEquals(2, e.problems().size(), e.problems().toString());
    }

    @Test
    void aMissingCaFileFailsCreationNamingTheKey() {
        HqmException e = assertThrows(HqmException.class, () -> new HttpEgressFactory().create(
                EgressFixture.proxy(Map.of("billing", EgressFixture.endpoint("https://127.0.0.1:9", "ca_file",
                        "conf/missing-ca.pem"))), EgressFixture.context()));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("proxy.endpoints.billing.ca_file: cannot use"), e.getMessage());
    }
}
