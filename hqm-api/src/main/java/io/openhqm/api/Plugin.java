package io.openhqm.api;

import io.openhqm.api.egress.EgressFactory;
import io.openhqm.api.processing.ProcessorFactory;
import io.openhqm.api.queue.QueueFactory;
import io.openhqm.api.result.ResultStoreFactory;
import java.util.List;

/**
 * The one {@link java.util.ServiceLoader} entry point of a plugin. A plugin jar lists its implementation in
 * {@code META-INF/services/io.openhqm.api.Plugin}; the server loads each folder under {@code plugins/}
 * with its own class loader and asks the plugin for its factories.
 *
 * <p>Every factory method has a default returning an empty list, so new ports never break existing plugins.
 * The server calls these methods once, at startup, with the plugin's class loader as the thread context
 * class loader. Implementations need a public no-argument constructor and should do no work in it.
 */
public interface Plugin {

    /**
     * The SPI version of this {@code hqm-api}: {@code MAJOR.MINOR}. A plugin is compatible with a server
     * when the majors are equal and the plugin's minor is not newer than the server's.
     *
     * <p>The rule for changing it: a new <b>minor</b> may only add: types, {@code default} methods (also a default
     * body for an abstract method, which may then be deprecated and removed in a later major), and record
     * components at the end of a record, keeping the earlier canonical constructor as a second constructor, so
     * every plugin compiled against an earlier minor of the same major loads and runs unchanged (a minor may
     * also tighten a documented contract that the bundled plugins meet). Anything else (removing or changing a
     * method, a new abstract method, reordering components) is a new <b>major</b>. History: 1.0 first release;
     * 1.1 message owner and attributes, {@code RequestRecord.attributes} and {@code startedAt}, final terminal
     * records, {@code ResultStore.releaseIdempotencyKey} and {@code discardPending}; {@code Egress} and
     * {@code EgressFactory} moved to their own package {@code io.openhqm.api.egress} (before any egress plugin
     * existed, so no plugin is affected); the short factories of {@code Outcome} and {@code Reply};
     * {@code Processor.processBatch} and {@code BatchItem}; {@code Delivery.orderingKey} and
     * {@code Delivery.ack(RequestRecord, ResultStore)}; {@code PluginContext.shared}, resources a plugin's adapters
     * share, closed by the server after them (replacing the plugins' static registries); dead-letter browsing as the
     * optional capability {@code Queue.deadLetterBrowser()} ({@code DeadLetterBrowser}), {@code Queue.deadLetters} and
     * {@code deadLetterCount} deprecated for removal and given defaults that read through it; for the admin API,
     * {@code DeadLetterBrowser.list} (with {@code DeadLetterFilter} and {@code DeadLetterPage}), {@code get} (by the id
     * of a {@code DeadLetterEntry}), {@code redrive}, {@code delete}, {@code purge} and {@code trim},
     * {@code Queue.stats} ({@code QueueStats}) and {@code ResultStore.reopen}; {@code Delivery.firstDelivery}.
     */
    String SPI_VERSION = "1.1";

    /**
     * The SPI version this plugin was compiled against. Implement it as {@code return Plugin.SPI_VERSION;}:
     * the compiler copies the constant into the plugin, so the server can tell which SPI it was built for.
     */
    String spiVersion();

    /** A short name for listings and error messages; defaults to the class name. */
    default String name() {
        return getClass().getSimpleName();
    }

    default List<QueueFactory> queueFactories() {
        return List.of();
    }

    default List<ResultStoreFactory> resultStoreFactories() {
        return List.of();
    }

    default List<ProcessorFactory> processorFactories() {
        return List.of();
    }

    default List<EgressFactory> egressFactories() {
        return List.of();
    }
}
