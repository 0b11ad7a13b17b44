package io.openhqm.server;

import static io.openhqm.server.ServerIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Gauge;
import io.openhqm.server.cli.CommandLine.Command;
import io.openhqm.testing.GatePlugin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, driven by
 * Selenium) against the server over a real socket, on the embedded queue: the key form, live plots while messages
 * flow, an endpoint's circuit breaker, a dead letter inspected and redriven by clicking until it completes, another
 * filtered out and deleted, the in-flight and delayed counts, a filtered bulk redrive followed and cancelled, and a
 * filtered purge. Also, over plain HTTP: the console's headers, its address with a trailing slash, and that the
 * transparent proxy leaves it alone (with the admin API off it answers 404: {@link AdminApiIT}).
 */
@Timeout(120)
class ConsoleIT {
    private static final String ADMIN_KEY = "admin-key";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path home;

    @Test
    void theConsoleAsksForTheKeyPlotsTheQueueAndRedrivesFiltersDeletesAndPurgesDeadLettersByClicking()
            throws Exception {
        GatePlugin.OPEN.set(true);
        try (Server server = ServerIT.start(home, Command.ALL, "worker.processor=gate",
                "worker.retry_delay_max=2m", // so that the gate's deferred message stays delayed for a minute
                "server.auth.admin_keys=[\"" + ADMIN_KEY + "\"]",
                "proxy.endpoints.orders.url=\"http://127.0.0.1:9/orders?token=secret\"")) {
            TestHttp http = new TestHttp(server.address().getPort());
            Gauge.builder("openhqm.circuit.breaker.state", () -> 1).tag("endpoint", "orders")
                    .register(server.meters());
            WebDriver browser = chromium(home.resolve("chromium-profile"));
            try {
                String base = "http://127.0.0.1:" + server.address().getPort();
                browser.get(base + "/console/");
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
                assertEquals(base + "/console", browser.getCurrentUrl());

                wait.until(d -> d.findElement(By.id("key-panel")).isDisplayed());
                enterKey(browser, "not-an-admin-key");
                wait.until(d -> d.findElement(By.id("key-error")).getText().contains("not one of"));
                assertFalse(browser.findElement(By.id("dashboard")).isDisplayed());
                enterKey(browser, ADMIN_KEY);
                wait.until(d -> d.findElement(By.id("dashboard")).isDisplayed());
                assertEquals(List.of(), severe(browser).stream()
                        .filter(e -> !e.getMessage().matches(".*status of 40[13].*")).toList(),
                        "only the refused key's 401 and 403 are logged");

                wait.until(d -> d.findElement(By.id("endpoint-rows")).getText().contains("open"));
                String endpoints = browser.findElement(By.id("endpoint-rows")).getText();
                assertTrue(endpoints.contains("orders") && endpoints.contains("http://127.0.0.1:9/orders"), endpoints);
                assertFalse(endpoints.contains("secret"), endpoints);

                AtomicBoolean flowing = new AtomicBoolean(true);
                AtomicInteger submitted = new AtomicInteger();
                Thread producer = Thread.ofVirtual().start(() -> {
                    while (flowing.get()) {
                        try {
                            for (int i = 0; i < 10; i++) {
                                assertEquals(202, http.submit("{\"n\": " + submitted.incrementAndGet() + "}").status());
                            }
                            Thread.sleep(100);
                        } catch (IOException | InterruptedException e) {
                            return;
                        }
                    }
                });
                try {
                    wait.until(d -> number(d, "return openhqmConsole.charts.rates.data[1].filter(v => v > 0).length")
                            >= 3);
                    wait.until(d -> number(d, "return Math.max(0, ...openhqmConsole.charts.latency.data[1]"
                            + ".filter(v => v != null))") > 0);
                } finally {
                    flowing.set(false);
                    producer.join();
                }
                wait.until(d -> number(d, "return openhqmConsole.charts.rates.data[2].filter(v => v > 0).length") > 0);
                double depthPoints = number(browser, "return openhqmConsole.charts.depth.data[1].length");
                wait.until(d -> number(d, "return openhqmConsole.charts.depth.data[1].length") > depthPoints);

                GatePlugin.OPEN.set(false);
                String gated = http.submit("{\"step\": \"" + GatePlugin.GATED + "\"}").json().get("correlation_id")
                        .asText();
                WebElement row = wait.until(d -> d.findElements(By.cssSelector("#dl-rows tr")).stream()
                        .filter(r -> r.getText().contains(gated)).findFirst().orElse(null));
                assertTrue(row.getText().contains("the gate is closed"), row.getText());
                assertEquals("FAILED", http.send(http.get("/api/v1/status/" + gated)).json().get("status").asText());

                row.findElement(By.cssSelector("button[data-action=inspect]")).click();
                wait.until(d -> d.findElement(By.id("inspect")).isDisplayed());
                String inspected = browser.findElement(By.id("inspect-body")).getText();
                assertTrue(inspected.contains("\"payload\"") && inspected.contains(GatePlugin.GATED)
                        && inspected.contains("\"headers\""), inspected);
                browser.findElement(By.id("inspect-close")).click();

                GatePlugin.OPEN.set(true);
                row.findElement(By.cssSelector("button[data-action=redrive]")).click();
                wait.until(d -> d.findElement(By.id("dl-message")).getText().contains("Redriven: " + gated));
                assertEquals("COMPLETED", http.awaitResult(gated, 10).json().get("status").asText());
                assertEquals("COMPLETED", http.send(http.get("/api/v1/status/" + gated)).json().get("status")
                        .asText());
                wait.until(d -> d.findElements(By.cssSelector("#dl-rows tr")).isEmpty());

                GatePlugin.OPEN.set(false);
                String doomed = http.submit("{\"step\": \"" + GatePlugin.GATED + "\", \"then\": \"delete\"}")
                        .json().get("correlation_id").asText();
                wait.until(d -> d.findElement(By.id("dl-rows")).getText().contains(doomed));
                browser.findElement(By.name("error")).sendKeys("no such error");
                browser.findElement(By.cssSelector("#dl-filter button[type=submit]")).click();
                wait.until(d -> d.findElement(By.id("dl-empty")).isDisplayed());
                browser.findElement(By.cssSelector("#dl-filter button[type=reset]")).click();
                wait.until(d -> d.findElement(By.id("dl-rows")).getText().contains(doomed));
                browser.findElement(By.cssSelector("#dl-rows button[data-action=delete]")).click();
                wait.until(ExpectedConditions.alertIsPresent()).accept();
                wait.until(d -> d.findElement(By.id("dl-message")).getText().contains("deleted"));
                assertEquals(0, admin(http, "/api/v1/dead-letters").get("dead_letters").size(), "deleted for good");

                for (int i = 0; i < 20; i++) {
                    http.submit("{\"step\": \"" + GatePlugin.GATED + "\", \"lane\": \"slow-lane\", \"n\": " + i + "}");
                }
                for (int i = 0; i < 3; i++) {
                    http.submit("{\"step\": \"" + GatePlugin.GATED + "\", \"lane\": \"kept-lane\", \"n\": " + i + "}");
                }
                http.submit("{\"step\": \"" + GatePlugin.HELD + "\"}");
                http.submit("{\"step\": \"" + GatePlugin.DEFERRED + "\"}");
                wait.until(d -> admin(http, "/api/v1/queues").get("queues").get(0).get("dead_letters").asInt() == 23);
                wait.until(d -> queueCounts(admin(http, "/api/v1/queues")).equals(List.of(1, 1)));
                wait.until(d -> d.findElement(By.id("tile-in-flight")).getText().equals("1")
                        && d.findElement(By.id("tile-delayed")).getText().equals("1"));
                assertEquals("In flight\n1", browser.findElement(By.id("tile-in-flight-box")).getText());
                assertEquals("Delayed\n1", browser.findElement(By.id("tile-delayed-box")).getText());
                assertEquals(List.of("depth", "in flight", "delayed"), ((JavascriptExecutor) browser).executeScript(
                        "return openhqmConsole.charts.depth.series.slice(1).map(s => s.label)"));
                wait.until(d -> number(d, "return openhqmConsole.charts.depth.data[2].at(-1)") == 1
                        && number(d, "return openhqmConsole.charts.depth.data[3].at(-1)") == 1);

                GatePlugin.OPEN.set(true);
                browser.findElement(By.name("error")).sendKeys("SLOW-LANE");
                WebElement rate = browser.findElement(By.id("bulk-rate"));
                rate.clear();
                rate.sendKeys("2");
                browser.findElement(By.id("bulk-redrive-button")).click();
                wait.until(d -> d.findElement(By.id("job")).isDisplayed());
                double firstProgress = wait.until(d -> {
                    double value = progress(d);
                    return value >= 1 ? value : null;
                });
                wait.until(d -> progress(d) > firstProgress);
                assertEquals(20, number(browser, "return document.getElementById('job-progress').max"));
                assertTrue(browser.findElement(By.id("job-text")).getText().startsWith("running: "));
                screenshot(browser, Path.of("target", "console.png"));
                browser.navigate().refresh();
                wait.until(d -> d.findElement(By.id("job")).isDisplayed() && progress(d) > firstProgress);
                WebElement errorFilter = browser.findElement(By.name("error"));
                errorFilter.clear();
                errorFilter.sendKeys("SLOW-LANE");
                browser.findElement(By.cssSelector("#dl-filter button[type=submit]")).click();
                browser.findElement(By.id("job-cancel")).click();
                wait.until(d -> d.findElement(By.id("job-text")).getText().startsWith("cancelled: "));
                JsonNode job = admin(http, "/api/v1/redrive-jobs").get("redrive_jobs").get(0);
                assertEquals("cancelled", job.get("state").asText(), job.toString());
                assertEquals("SLOW-LANE", job.get("filter").get("error").asText(), job.toString());
                assertEquals(2, job.get("rate_per_second").asInt(), job.toString());
                int moved = job.get("moved").asInt();
                assertEquals(20, job.get("matched").asInt(), job.toString());
                assertTrue(moved >= 3 && moved < 20, job.toString());
                assertEquals("cancelled: " + moved + " redriven, 0 failed, of 20 matched",
                        browser.findElement(By.id("job-text")).getText());
                assertFalse(browser.findElement(By.id("job-cancel")).isDisplayed());
                wait.until(d -> number(d, "const rows = [...document.querySelectorAll('#dl-rows tr')];"
                        + " return rows.every(r => r.textContent.includes('slow-lane')) ? rows.length : -1")
                        == 20 - moved);

                browser.findElement(By.id("purge-button")).click();
                Alert confirm = wait.until(ExpectedConditions.alertIsPresent());
                assertTrue(confirm.getText().contains("SLOW-LANE"), confirm.getText());
                confirm.accept();
                wait.until(d -> d.findElement(By.id("dl-message")).getText()
                        .equals((20 - moved) + " dead letter(s) deleted."));
                wait.until(d -> d.findElement(By.id("dl-empty")).isDisplayed());
                assertEquals(0, admin(http, "/api/v1/dead-letters?error=slow-lane").get("dead_letters").size());
                JsonNode kept = admin(http, "/api/v1/dead-letters").get("dead_letters");
                assertEquals(3, kept.size(), kept.toString());
                kept.forEach(entry -> assertTrue(entry.get("error").asText().contains("kept-lane"), entry.toString()));

                assertEquals(List.of(), severe(browser), "no script errors, no refused resources");
            } finally {
                GatePlugin.OPEN.set(true);
                browser.quit();
            }
        }
    }

    @Test
    void theConsoleIsServedWithStrictHeadersAndNeverProxied() throws Exception {
        try (Server proxy = ServerIT.start(home.resolve("proxy"), Command.ALL, "queue.type=memory",
                "server.mode=proxy", "worker.processor=request-echo", "server.admin.enabled=true")) {
            TestHttp http = new TestHttp(proxy.address().getPort());
            TestHttp.Reply page = http.send(http.get("/console"));
            assertEquals(200, page.status(), page.body());
            assertEquals("text/html; charset=utf-8", page.header("Content-Type"));
            assertTrue(page.body().contains("<script type=\"module\" src=\"/console/assets/console.js\">"));
            assertFalse(page.body().contains("<script>"), "no inline script");
            String policy = page.header("Content-Security-Policy");
            assertTrue(policy.contains("default-src 'self'") && policy.contains("script-src 'self';")
                    && !policy.contains("unsafe"), policy);
            assertEquals("nosniff", page.header("X-Content-Type-Options"));
            assertEquals("no-cache", page.header("Cache-Control"));
            assertEquals(304, http.send(http.get("/console").header("If-None-Match", page.header("ETag"))).status());
            TestHttp.Reply slash = http.send(http.get("/console/"));
            assertEquals(301, slash.status(), slash.body());
            assertEquals("/console", slash.header("Location"));
            assertEquals("/console?tab=x", http.send(http.get("/console/?tab=x")).header("Location"));

            for (Map.Entry<String, String> asset : Map.of("console.js", "text/javascript; charset=utf-8",
                    "uplot.iife.min.js", "text/javascript; charset=utf-8", "uplot.min.css", "text/css; charset=utf-8",
                    "console.css", "text/css; charset=utf-8", "uplot-LICENSE.txt", "text/plain; charset=utf-8")
                    .entrySet()) {
                TestHttp.Reply served = http.send(http.get("/console/assets/" + asset.getKey()));
                assertEquals(200, served.status(), asset.getKey());
                assertEquals(asset.getValue(), served.header("Content-Type"), asset.getKey());
                assertEquals(policy, served.header("Content-Security-Policy"));
            }
            assertTrue(http.send(http.get("/console/assets/uplot-LICENSE.txt")).body().contains("MIT"));
            assertProblem(http.send(http.get("/console/assets/index.html")), 404, null);
            // Reserved paths are the console's, never the backend's: the echo processor would answer 200.
            assertProblem(http.send(http.get("/console/other")), 404, null);
            assertEquals(200, http.send(http.get("/elsewhere")).status(), "other paths are proxied");
        }
    }

    private static void enterKey(WebDriver browser, String key) {
        WebElement input = browser.findElement(By.id("key-input"));
        input.clear();
        input.sendKeys(key);
        browser.findElement(By.cssSelector("#key-form button[type=submit]")).click();
    }

    private static double progress(WebDriver browser) {
        return number(browser, "return document.getElementById('job-progress').value");
    }

    /** In flight and delayed, as {@code GET /api/v1/queues} counts them. */
    private static List<Integer> queueCounts(JsonNode queues) {
        JsonNode queue = queues.get("queues").get(0);
        return List.of(queue.get("in_flight").asInt(), queue.get("delayed").asInt());
    }

    private static JsonNode admin(TestHttp http, String path) {
        try {
            TestHttp.Reply reply = http.send(http.get(path).header("X-API-Key", ADMIN_KEY));
            assertEquals(200, reply.status(), reply.body());
            return reply.json();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double number(WebDriver browser, String script) {
        Object value = ((JavascriptExecutor) browser).executeScript(script);
        return value instanceof Number n ? n.doubleValue() : 0;
    }

    private static List<LogEntry> severe(WebDriver browser) {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
    }

    private static void screenshot(WebDriver browser, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path taken = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(taken, file, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Debian's Chromium, headless, with a fresh profile and none of its calls home (this machine has no internet). */
    static WebDriver chromium(Path profile) {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the console tests need Debian's chromium and chromium-driver (apt-get install chromium "
                        + "chromium-driver; .ci/run installs them)");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless=new",
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile.toAbsolutePath());
        LoggingPreferences logging = new LoggingPreferences();
        logging.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logging);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1400, 950));
        return driver;
    }
}
