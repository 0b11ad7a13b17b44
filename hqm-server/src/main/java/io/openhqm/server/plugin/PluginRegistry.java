package io.openhqm.server.plugin;

import io.openhqm.api.HqmException;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.egress.Egress;
import io.openhqm.api.egress.EgressFactory;
import io.openhqm.api.processing.Processor;
import io.openhqm.api.processing.ProcessorFactory;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueFactory;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.ResultStoreFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The factories of all loaded plugins by port and type, and the one place that creates adapters from them.
 * Every adapter it returns enters plugin code with the plugin's class loader as context class loader, and its
 * factory gets a context bound to its plugin's scope of {@link SharedResources}.
 * {@link #close()} closes the plugin folders' class loaders (their jar files); call it after every adapter and
 * the {@link SharedResources} of every server run are closed.
 */
public final class PluginRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);

    /** A factory with the plugin it came from. */
    private record Registered<F>(F factory, LoadedPlugin plugin) {
    }

    /** One line of the {@code plugins} listing. */
    public record Provided(String port, String type, LoadedPlugin plugin) {
    }

    private final List<LoadedPlugin> plugins;
    private final Map<String, Registered<QueueFactory>> queues = new LinkedHashMap<>();
    private final Map<String, Registered<ResultStoreFactory>> resultStores = new LinkedHashMap<>();
    private final Map<String, Registered<ProcessorFactory>> processors = new LinkedHashMap<>();
    private final Map<String, Registered<EgressFactory>> egresses = new LinkedHashMap<>();

    /**
     * @throws HqmException of kind CONFIG naming every type provided twice and where
     */
    public PluginRegistry(List<LoadedPlugin> plugins) {
        this.plugins = List.copyOf(plugins);
        List<String> problems = new ArrayList<>();
        for (LoadedPlugin loaded : plugins) {
            var p = loaded.plugin();
            ContextClassLoader.run(loaded.loader(), () -> {
                register("queue", queues, p.queueFactories(), QueueFactory::type, loaded, problems);
                register("result store", resultStores, p.resultStoreFactories(), ResultStoreFactory::type, loaded,
                        problems);
                register("processor", processors, p.processorFactories(), ProcessorFactory::type, loaded, problems);
                register("egress", egresses, p.egressFactories(), EgressFactory::type, loaded, problems);
            });
        }
        if (!problems.isEmpty()) {
            throw new HqmException(problems);
        }
    }

    private static <F> void register(String port, Map<String, Registered<F>> into, List<F> factories,
                                     Function<F, String> type, LoadedPlugin plugin, List<String> problems) {
        for (F factory : factories) {
            String name = type.apply(factory);
            Registered<F> earlier = into.putIfAbsent(name, new Registered<>(factory, plugin));
            if (earlier != null) {
                problems.add(port + " type \"" + name + "\" is provided twice: by " + earlier.plugin().origin()
                        + " and by " + plugin.origin() + "; remove one of the two plugin folders.");
            }
        }
    }

    public List<LoadedPlugin> plugins() {
        return plugins;
    }

    public List<Provided> provided() {
        List<Provided> all = new ArrayList<>();
        queues.forEach((t, r) -> all.add(new Provided("queue", t, r.plugin())));
        resultStores.forEach((t, r) -> all.add(new Provided("result store", t, r.plugin())));
        processors.forEach((t, r) -> all.add(new Provided("processor", t, r.plugin())));
        egresses.forEach((t, r) -> all.add(new Provided("egress", t, r.plugin())));
        return all;
    }

    public boolean hasQueue(String type) {
        return queues.containsKey(type);
    }

    public boolean hasResultStore(String type) {
        return resultStores.containsKey(type);
    }

    public boolean hasProcessor(String type) {
        return processors.containsKey(type);
    }

    public boolean hasEgress(String type) {
        return egresses.containsKey(type);
    }

    public Queue createQueue(String type, PluginConfig config, QueueSettings settings, ServerPluginContext context) {
        Registered<QueueFactory> r = find(queues, type, "queue.type", "queue");
        ClassLoader loader = r.plugin().loader();
        PluginContext own = context.forPlugin(r.plugin());
        return new IsolatedQueue(ContextClassLoader.call(loader, () -> r.factory().create(config, settings, own)),
                loader);
    }

    public ResultStore createResultStore(String type, PluginConfig config, ResultSettings settings,
                                         ServerPluginContext context) {
        Registered<ResultStoreFactory> r = find(resultStores, type, "results.type", "result store");
        ClassLoader loader = r.plugin().loader();
        PluginContext own = context.forPlugin(r.plugin());
        return new IsolatedResultStore(
                ContextClassLoader.call(loader, () -> r.factory().create(config, settings, own)), loader);
    }

    public Processor createProcessor(String type, PluginConfig config, ServerPluginContext context) {
        Registered<ProcessorFactory> r = find(processors, type, "worker.processor", "processor");
        ClassLoader loader = r.plugin().loader();
        PluginContext own = context.forPlugin(r.plugin());
        return new IsolatedProcessor(ContextClassLoader.call(loader, () -> r.factory().create(config, own)), loader);
    }

    public Egress createEgress(String type, PluginConfig config, ServerPluginContext context) {
        Registered<EgressFactory> r = find(egresses, type, "proxy.type", "egress");
        ClassLoader loader = r.plugin().loader();
        PluginContext own = context.forPlugin(r.plugin());
        return new IsolatedEgress(ContextClassLoader.call(loader, () -> r.factory().create(config, own)), loader);
    }

    /** What the queue plugin of {@code type} finds wrong in {@code config}; empty if valid or not provided. */
    public List<String> validateQueue(String type, PluginConfig config) {
        return validate(queues.get(type), f -> f.validate(config));
    }

    public List<String> validateResultStore(String type, PluginConfig config) {
        return validate(resultStores.get(type), f -> f.validate(config));
    }

    public List<String> validateProcessor(String type, PluginConfig config) {
        return validate(processors.get(type), f -> f.validate(config));
    }

    public List<String> validateEgress(String type, PluginConfig config) {
        return validate(egresses.get(type), f -> f.validate(config));
    }

    private static <F> List<String> validate(Registered<F> registered, Function<F, List<String>> check) {
        return registered == null ? List.of()
                : ContextClassLoader.call(registered.plugin().loader(), () -> check.apply(registered.factory()));
    }

    /** The sentence for a type no plugin provides, naming the key and what is available. */
    public String missing(String key, String port, String type) {
        Map<String, ?> available = switch (port) {
            case "queue" -> queues;
            case "result store" -> resultStores;
            case "processor" -> processors;
            default -> egresses;
        };
        return key + ": no plugin provides " + port + " type \"" + type + "\" (available: "
                + (available.isEmpty() ? "none" : String.join(", ", available.keySet()))
                + "); put the plugin's folder into the plugins directory or fix the name.";
    }

    private <F> Registered<F> find(Map<String, Registered<F>> from, String type, String key, String port) {
        Registered<F> r = from.get(type);
        if (r == null) {
            throw HqmException.config(missing(key, port, type));
        }
        return r;
    }

    /** Closes the class loaders of the plugin folders, releasing their jar files. */
    @Override
    public void close() {
        for (LoadedPlugin loaded : plugins) {
            if (loaded.loader() instanceof PluginClassLoader loader) {
                try {
                    loader.close();
                } catch (IOException e) {
                    LOG.warn("closing the class loader of {} failed: {}", loaded.origin(), e.toString());
                }
            }
        }
    }
}
