package io.openhqm.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.openhqm.api.Health;
import io.openhqm.api.HqmException;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.egress.Egress;
import io.openhqm.api.processing.Processor;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.server.admin.DeadLetterRetention;
import io.openhqm.server.admin.EndpointStates;
import io.openhqm.server.admin.QueueAdmin;
import io.openhqm.server.admin.RedriveJobs;
import io.openhqm.server.admin.Throughput;
import io.openhqm.server.cli.CommandLine.Command;
import io.openhqm.server.config.ServerConfig;
import io.openhqm.server.config.TypesafePluginConfig;
import io.openhqm.server.engine.DeliveryPipeline;
import io.openhqm.server.engine.RetryPolicy;
import io.openhqm.server.engine.WorkerEngine;
import io.openhqm.server.http.HttpServer;
import io.openhqm.server.ingress.EndpointCatalog;
import io.openhqm.server.ingress.QueueDepthMonitor;
import io.openhqm.server.ingress.Submissions;
import io.openhqm.server.plugin.PluginRegistry;
import io.openhqm.server.plugin.ServerPluginContext;
import io.openhqm.server.plugin.SharedResources;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running OpenHQM process, wired by hand: adapters from plugins, then the worker engine, then HTTP.
 * {@link #close()} shuts down in reverse: stop taking requests, drain the workers, close the adapters, then the
 * resources their plugins share.
 */
public final class Server implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Server.class);
    private static final Duration DEPTH_INTERVAL = Duration.ofMillis(200);

    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
    private final PrometheusMeterRegistry meters;
    private HttpServer http;
    private WorkerEngine engine;
    private Queue queue;
    private ResultStore results;

    private Server(PrometheusMeterRegistry meters) {
        this.meters = meters;
    }

    /** Lists the problems that would stop {@link #start} before any adapter is created. */
    public static List<String> check(Command command, ServerConfig config, PluginRegistry registry) {
        List<String> problems = new ArrayList<>();
        String queueType = config.queue().type();
        if (!registry.hasQueue(queueType)) {
            problems.add(registry.missing("queue.type", "queue", queueType));
        }
        problems.addAll(located(registry.validateQueue(queueType, config.queue().typeConfig()), config.queue().typeConfig()));
        ServerConfig.Results results = config.results().installedOr(registry::hasResultStore);
        if (!registry.hasResultStore(results.type())) {
            problems.add(registry.missing("results.type", "result store", results.type()));
        }
        if (!results.type().equals(queueType)) {
            problems.addAll(located(registry.validateResultStore(results.type(), results.typeConfig()),
                    results.typeConfig()));
        }
        ServerConfig.Proxy proxy = config.proxy();
        // The endpoints route submissions in every role, so the egress judges its keys wherever it is installed.
        problems.addAll(located(registry.validateEgress(proxy.type(), proxy.block()), proxy.block()));
        if (command.runsWorkers() || command == Command.CHECK_CONFIG) {
            if (proxy.enabled()) {
                if (!registry.hasEgress(proxy.type())) {
                    problems.add(registry.missing("proxy.type", "egress", proxy.type()));
                }
            } else {
                String processor = config.worker().processor();
                if (!registry.hasProcessor(processor)) {
                    problems.add(registry.missing("worker.processor", "processor", processor));
                }
                PluginConfig settings = processorConfig(config, processor);
                problems.addAll(located(registry.validateProcessor(processor, settings), settings));
            }
        }
        return problems.stream().distinct().toList();
    }

    /** Plugin problems with the place their key is set, where the problem names a key and no place. */
    private static List<String> located(List<String> problems, PluginConfig block) {
        return block instanceof TypesafePluginConfig settings ? problems.stream().map(settings::locate).toList()
                : problems;
    }

    public static Server start(Command command, ServerConfig config, PluginRegistry registry, Path home,
                               String version) {
        List<String> problems = check(command, config, registry);
        if (!problems.isEmpty()) {
            throw new HqmException(problems);
        }
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        bindJvmMetrics(meters);
        Server server = new Server(meters);
        try {
            server.wire(command, config, registry, home, version, Clock.systemUTC());
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void wire(Command command, ServerConfig config, PluginRegistry registry, Path home, String version,
                      Clock clock) {
        String host = command.runsListener() ? config.server().host() : config.management().host();
        int port = command.runsListener() ? config.server().port() : config.management().port();
        String portKey = command.runsListener() ? "server.port" : "management.port";
        String instanceId = hostName() + "-" + (port == 0 ? java.util.UUID.randomUUID().toString() : port);
        // Closed after every adapter: pushed first, popped last.
        SharedResources shared = new SharedResources();
        toClose.push(shared);
        var context = new ServerPluginContext(meters, clock, home, instanceId, shared);
        // The port names this instance (its leases in the queue): hold it before any adapter touches the queue, so
        // a second start on the same port fails here instead of taking back the running process's messages.
        PortReservation reservation = PortReservation.take(host, port, portKey);
        toClose.push(reservation);

        queue = registry.createQueue(config.queue().type(), config.queue().typeConfig(),
                new QueueSettings(config.queue().requestQueueName(), config.queue().dlqName()), context);
        toClose.push(queue);
        ServerConfig.Results resultsConfig = config.results().installedOr(registry::hasResultStore);
        if (resultsConfig != config.results()) {
            LOG.info("results.type is not set and no plugin of queue type {} stores results: statuses and results"
                    + " are kept in the {} result store of this process", config.queue().type(), resultsConfig.type());
        }
        results = registry.createResultStore(resultsConfig.type(), resultsConfig.typeConfig(),
                new ResultSettings(resultsConfig.ttl()), context);
        toClose.push(results);
        QueueDepthMonitor depth = new QueueDepthMonitor(queue, config.queue().requestQueueName(), DEPTH_INTERVAL,
                meters);
        toClose.push(depth);

        if (command.runsWorkers()) {
            Processor processor = processor(config, registry, context);
            ServerConfig.Worker worker = config.worker();
            DeliveryPipeline pipeline = new DeliveryPipeline(processor, results, worker.writeResults(),
                    worker.processingStatusDelay(),
                    new RetryPolicy(worker.maxRetries(), worker.retryDelayBase(), worker.retryDelayMax()),
                    worker.timeout(), clock, meters);
            engine = new WorkerEngine(queue, pipeline, worker.count(), worker.pollBatch(), worker.batchSize(),
                    worker.batchWait(), worker.shutdownGrace(), meters);
            engine.start();
            toClose.push(engine);
            ServerConfig.DlqRetention retention = config.queue().dlqRetention();
            if (retention.limited()) {
                queue.deadLetterBrowser().ifPresent(browser -> toClose.push(new DeadLetterRetention(browser, retention,
                        config.queue().dlqName(), clock, meters).start()));
            }
        }

        Map<String, Supplier<Health>> components = new LinkedHashMap<>();
        components.put("queue", queue::health);
        components.put("results", results::health);
        if (command.runsListener()) {
            Submissions submissions = new Submissions(queue, results, depth, new Submissions.Options(
                    config.queue().requestQueueName(), config.queue().maxDepth(),
                    resultsConfig.type().equals(config.queue().type()), endpointCatalog(config.proxy())),
                    clock, meters);
            Throughput throughput = new Throughput(meters);
            toClose.push(throughput);
            QueueAdmin admin = new QueueAdmin(queue, results, throughput, config.queue().requestQueueName(),
                    config.queue().type(), config.queue().dlqName(), clock);
            RedriveJobs redrives = new RedriveJobs(admin, clock);
            toClose.push(redrives);
            http = HttpServer.listener(config.server(), submissions, config.proxy(), components, version,
                    meters::scrape, meters, clock, admin, redrives, endpointStates(config.proxy()));
        } else {
            http = HttpServer.management(config.management(), components, version, meters::scrape, meters, clock);
        }
        reservation.close();
        http.start();
        toClose.push(http);
        LOG.info("OpenHQM {} running: {} on {}, queue {} ({}), {}", version, command.word(), http.address(),
                config.queue().type(), config.queue().requestQueueName(),
                command.runsWorkers() ? (config.proxy().enabled() ? "proxy to HTTP endpoints"
                        : "processor " + config.worker().processor()) : "no workers");
    }

    /** The worker's processor: the configured processor plugin, or the egress's {@code send} in proxy mode. */
    private Processor processor(ServerConfig config, PluginRegistry registry, ServerPluginContext context) {
        if (config.proxy().enabled()) {
            Egress egress = registry.createEgress(config.proxy().type(), config.proxy().block(), context);
            toClose.push(egress);
            return egress::send;
        }
        String type = config.worker().processor();
        Processor processor = registry.createProcessor(type, processorConfig(config, type), context);
        toClose.push(processor);
        return processor;
    }

    private static EndpointCatalog endpointCatalog(ServerConfig.Proxy proxy) {
        Map<String, java.util.Set<String>> methods = new LinkedHashMap<>();
        proxy.endpoints().forEach((name, endpoint) -> methods.put(name, endpoint.allowedMethods()));
        return new EndpointCatalog(methods, proxy.defaultEndpoint());
    }

    private EndpointStates endpointStates(ServerConfig.Proxy proxy) {
        Map<String, String> urls = new LinkedHashMap<>();
        proxy.endpoints().forEach((name, endpoint) -> urls.put(name, endpoint.url()));
        return new EndpointStates(urls, meters);
    }

    private static PluginConfig processorConfig(ServerConfig config, String type) {
        return config.processors().getOrDefault(type, TypesafePluginConfig.empty("processors." + type));
    }

    private static void bindJvmMetrics(MeterRegistry meters) {
        new ClassLoaderMetrics().bindTo(meters);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmGcMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
    }

    private static String hostName() {
        String fromEnv = System.getenv("HOSTNAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    public InetSocketAddress address() {
        return http.address();
    }

    /** The listener's (or management server's) route templates with their methods. */
    public Map<String, Set<String>> routes() {
        return http.routes();
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    public Queue queue() {
        return queue;
    }

    public ResultStore results() {
        return results;
    }

    @Override
    public synchronized void close() {
        if (http != null) {
            http.stopAccepting();
        }
        if (engine != null) {
            engine.stopPolling();
        }
        while (!toClose.isEmpty()) {
            AutoCloseable next = toClose.pop();
            try {
                next.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", next.getClass().getSimpleName(), e.toString());
            }
        }
        meters.close();
    }
}
