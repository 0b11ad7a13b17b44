package io.openhqm.plugin.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.api.result.RequestRecord;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for records to become terminal without polling: one pub/sub connection per process, subscribed to
 * {@code <prefix>done:<id>} while someone waits for {@code id}. A terminal put publishes the record there, so a
 * waiter completes with the message itself. After subscribing, the record is read once more (it may have finished
 * before the subscription took effect); after a reconnect every waited-for record is read again (notifications
 * sent while disconnected are lost); a waiter whose time is up completes with whatever the record is then.
 *
 * <p>Thread-safe. Subscriptions and unsubscriptions for one id are issued under that id's map lock, so they reach
 * Redis in the order of the bookkeeping.
 */
final class ResultWaiters implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResultWaiters.class);

    private final RedisBackend backend;
    private final RedisResultStore.Keys keys;
    private final Function<String, CompletionStage<Optional<RequestRecord>>> reader;
    private final Map<String, Set<Waiter>> byId = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hqm-redis-wait").daemon(true).factory());
    private volatile CompletableFuture<StatefulRedisPubSubConnection<String, byte[]>> pubSub;
    private volatile boolean closed;

    ResultWaiters(RedisBackend backend, RedisResultStore.Keys keys,
                  Function<String, CompletionStage<Optional<RequestRecord>>> reader) {
        this.backend = backend;
        this.keys = keys;
        this.reader = reader;
    }

    private static final class Waiter {
        final CompletableFuture<Optional<RequestRecord>> result = new CompletableFuture<>();
        volatile ScheduledFuture<?> timeout;
    }

    CompletionStage<Optional<RequestRecord>> await(String id, Duration maxWait) {
        return reader.apply(id).thenCompose(current -> {
            // An unknown id is waited for too: a message from an external producer has no record until a worker
            // takes it (its entry id is its correlation id).
            if (current.map(r -> r.status().isTerminal()).orElse(false) || maxWait.isZero() || maxWait.isNegative()) {
                return CompletableFuture.completedFuture(current);
            }
            return pubSub().thenCompose(connection -> subscribe(connection, id, maxWait));
        });
    }

    private CompletableFuture<Optional<RequestRecord>> subscribe(
            StatefulRedisPubSubConnection<String, byte[]> connection, String id, Duration maxWait) {
        Waiter waiter = new Waiter();
        CompletableFuture<?>[] subscribed = new CompletableFuture<?>[1];
        byId.compute(id, (key, set) -> {
            if (set == null) {
                set = ConcurrentHashMap.newKeySet();
                subscribed[0] = connection.async().subscribe(keys.done(id)).toCompletableFuture();
            }
            set.add(waiter);
            return set;
        });
        waiter.timeout = timer.schedule(() -> expire(id, waiter), maxWait.toMillis(), TimeUnit.MILLISECONDS);
        if (subscribed[0] != null) {
            subscribed[0].whenComplete((ok, e) -> recheck(id));
        } else {
            recheck(id);
        }
        return waiter.result;
    }

    /** Reads the record and completes the waiters of {@code id} if it is terminal. */
    private void recheck(String id) {
        reader.apply(id).whenComplete((record, e) -> {
            if (e == null && record.isPresent() && record.get().status().isTerminal()) {
                complete(id, record.get());
            }
        });
    }

    private void complete(String id, RequestRecord record) {
        List<Waiter> done = new ArrayList<>();
        byId.computeIfPresent(id, (key, set) -> {
            done.addAll(set);
            unsubscribe(id);
            return null;
        });
        for (Waiter waiter : done) {
            ScheduledFuture<?> timeout = waiter.timeout;
            if (timeout != null) {
                timeout.cancel(false);
            }
            waiter.result.complete(Optional.of(record));
        }
    }

    private void expire(String id, Waiter waiter) {
        byId.computeIfPresent(id, (key, set) -> {
            set.remove(waiter);
            if (set.isEmpty()) {
                unsubscribe(id);
                return null;
            }
            return set;
        });
        reader.apply(id).whenComplete((record, e) -> {
            if (e != null) {
                waiter.result.completeExceptionally(e);
            } else {
                waiter.result.complete(record);
            }
        });
    }

    private void unsubscribe(String id) {
        CompletableFuture<StatefulRedisPubSubConnection<String, byte[]>> connecting = pubSub;
        StatefulRedisPubSubConnection<String, byte[]> connection =
                connecting != null && connecting.isDone() && !connecting.isCompletedExceptionally()
                        ? connecting.join() : null;
        if (connection != null && connection.isOpen()) {
            connection.async().unsubscribe(keys.done(id));
        }
    }

    /** The notification connection, connected on first use (asynchronously; see {@link RedisBackend}). */
    private synchronized CompletableFuture<StatefulRedisPubSubConnection<String, byte[]>> pubSub() {
        if (closed) {
            return CompletableFuture.failedFuture(
                    new HqmException(ErrorKind.TRANSIENT, "the result store is closed", null));
        }
        if (pubSub == null || pubSub.isCompletedExceptionally()) {
            pubSub = backend.connectPubSub().thenApply(connection -> {
                listen(connection);
                return connection;
            });
            pubSub.whenComplete((c, e) -> {
                if (e != null) {
                    LOG.warn("cannot open the notification connection: {}", RedisBackend.describe(e));
                }
            });
        }
        return pubSub;
    }

    private void listen(StatefulRedisPubSubConnection<String, byte[]> connection) {
        String prefix = keys.donePrefix();
        connection.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, byte[] message) {
                if (channel.startsWith(prefix)) {
                    try {
                        complete(channel.substring(prefix.length()), RecordFormat.decode(message));
                    } catch (RuntimeException e) {
                        recheck(channel.substring(prefix.length()));
                    }
                }
            }
        });
        backend.client().addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
                if (handler == connection && !byId.isEmpty()) {
                    LOG.info("notification connection re-established; re-reading {} awaited result(s)", byId.size());
                    byId.keySet().forEach(ResultWaiters.this::recheck);
                }
            }
        });
    }

    @Override
    public void close() {
        CompletableFuture<StatefulRedisPubSubConnection<String, byte[]>> connection;
        synchronized (this) {
            closed = true;
            connection = pubSub;
        }
        timer.shutdownNow();
        HqmException closing = new HqmException(ErrorKind.TRANSIENT, "the server is shutting down; ask again later",
                null);
        for (String id : List.copyOf(byId.keySet())) {
            Set<Waiter> set = byId.remove(id);
            if (set != null) {
                set.forEach(w -> w.result.completeExceptionally(closing));
            }
        }
        if (connection != null) {
            connection.thenAccept(StatefulRedisPubSubConnection::close);
        }
    }
}
