package io.openhqm.plugin.egress.http;

import static io.openhqm.plugin.egress.http.EgressFixture.attempt;
import static io.openhqm.plugin.egress.http.EgressFixture.create;
import static io.openhqm.plugin.egress.http.EgressFixture.endpoint;
import static io.openhqm.plugin.egress.http.EgressFixture.json;
import static io.openhqm.plugin.egress.http.EgressFixture.proxy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.openhqm.api.processing.Outcome;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS to a backend whose self-signed certificate (made with the JDK's keytool) is trusted only through ca_file. */
class HttpEgressTlsIT {
    @TempDir
    static Path home;
    private static HttpsServer server;

    @BeforeAll
    static void startHttpsBackend() throws Exception {
        Path keystore = home.resolve("backend.p12");
        keytool("-genkeypair", "-alias", "backend", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        Files.createDirectories(home.resolve("conf"));
        keytool("-exportcert", "-rfc", "-alias", "backend", "-keystore", keystore.toString(),
                "-storepass", "changeit", "-file", home.resolve("conf/backend-ca.pem").toString());

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                byte[] body = "secure".getBytes();
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
    }

    private static String url() {
        return "https://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    @Test
    void aCaFileRelativeToHomeMakesTheBackendTrusted() throws Exception {
        try (HttpEgress egress = create(proxy(Map.of("secure", endpoint(url(), "ca_file", "conf/backend-ca.pem"))),
                new TestPluginContext(home, "tls-test"))) {
            Outcome.Completed done = assertInstanceOf(Outcome.Completed.class, egress.send(json("{}"), attempt()));
            assertEquals("secure", new String(done.reply().body()));
        }
    }

    @Test
    void withoutTheCaFileTheCertificateIsRefused() throws Exception {
        try (HttpEgress egress = create(proxy(Map.of("secure", endpoint(url()))),
                new TestPluginContext(home, "tls-test"))) {
            Outcome.Retry retry = assertInstanceOf(Outcome.Retry.class, egress.send(json("{}"), attempt()));
            assertTrue(retry.error().startsWith("endpoint secure: TLS failed"), retry.error());
        }
    }
}
