package io.openhqm.plugin.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.openhqm.api.ErrorKind;
import io.openhqm.api.Health;
import io.openhqm.api.HqmException;
import io.openhqm.api.PluginContext;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of one process to one Redis: a Lettuce client, one shared connection that every non-blocking
 * command of the queue and the result store goes through (Lettuce pipelines concurrent commands on it), and
 * factories for the dedicated connections of blocking reads and of pub/sub.
 *
 * <p>Queue and result store read the same {@code queue.redis} block; {@link #of} hands both the same backend, a
 * resource shared through the {@link PluginContext} that the server closes after both, so a process keeps one
 * client and one shared connection.
 *
 * <p>While Redis is unreachable, commands fail at once ({@code REJECT_COMMANDS}) or after
 * {@code command_timeout}; Lettuce reconnects by itself with a backoff up to {@code reconnect_delay_max}.
 */
final class RedisBackend implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisBackend.class);
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final RedisConfig config;
    private final ClientResources resources;
    private final RedisURI uri;
    private final RedisClient client;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final RedisAsyncCommands<String, byte[]> redis;

    private RedisBackend(RedisConfig config) {
        this.config = config;
        this.resources = DefaultClientResources.builder()
                .nettyCustomizer(new NettyCustomizer() {
                    @Override
                    public void afterChannelInitialized(Channel channel) {
                        // Concurrent requests each write and flush a command; consolidating the flushes sends them
                        // to Redis in one syscall (and Redis reads them in one go). Measured here: about 40 % less
                        // CPU per submission in the JVM and half in Redis (docs/performance.md).
                        channel.pipeline().addFirst(new FlushConsolidationHandler(256, true));
                    }
                })
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), config.reconnectDelayMax(), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        this.uri = uri(config);
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .protocolVersion(ProtocolVersion.RESP2)
                .socketOptions(SocketOptions.builder().connectTimeout(config.connectTimeout()).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
                .build());
        StatefulRedisConnection<String, byte[]> connected;
        try {
            connected = client.connect(CODEC);
        } catch (RuntimeException e) {
            shutdownClient();
            throw new HqmException(ErrorKind.TRANSIENT, "cannot connect to Redis at " + config.url() + ": "
                    + describe(e), null);
        }
        this.connection = connected;
        this.redis = connected.async();
        loadScripts();
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
                if (handler == connection) {
                    loadScripts(); // a restarted Redis has an empty script cache
                }
            }
        });
        LOG.info("connected to Redis at {}", config.url());
    }

    private void loadScripts() {
        Script.loadAll(redis).whenComplete((ok, e) -> {
            if (e != null) {
                LOG.debug("could not load the scripts ahead of use ({}); they are sent on first use", describe(e));
            }
        });
    }

    /** This process's backend for {@code config}, connecting on first use; the server closes it after the adapters. */
    static RedisBackend of(RedisConfig config, PluginContext context) {
        return context.shared(RedisBackend.class, config, () -> new RedisBackend(config));
    }

    /** Closes the connections and the client's threads. */
    @Override
    public void close() {
        try {
            connection.close();
        } finally {
            shutdownClient();
        }
    }

    private void shutdownClient() {
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    RedisConfig config() {
        return config;
    }

    /** The shared connection's asynchronous commands. Never use blocking commands on it. */
    RedisAsyncCommands<String, byte[]> redis() {
        return redis;
    }

    /** A new connection of its own, for blocking reads. The caller closes it. */
    StatefulRedisConnection<String, byte[]> connectDedicated() {
        try {
            return client.connect(CODEC);
        } catch (RuntimeException e) {
            throw failure("connecting to Redis", e);
        }
    }

    /**
     * A new pub/sub connection, connected asynchronously: this may be called on a Lettuce thread, where waiting for
     * a connection would deadlock. The caller closes it.
     */
    CompletableFuture<StatefulRedisPubSubConnection<String, byte[]>> connectPubSub() {
        return client.connectPubSubAsync(CODEC, uri).toCompletableFuture();
    }

    RedisClient client() {
        return client;
    }

    /** Whether Redis answers a PING within a second. */
    Health ping() {
        if (!connection.isOpen()) {
            return Health.down("not connected to Redis at " + config.url() + " (reconnecting)");
        }
        try {
            redis.ping().get(1, TimeUnit.SECONDS);
            return Health.up("Redis at " + config.url());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.down("interrupted");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return Health.down("Redis at " + config.url() + " does not answer: " + describe(e));
        }
    }

    /** Waits for {@code stage} (at most the command timeout and a second), mapping failures. */
    <T> T await(CompletionStage<T> stage, String what) {
        try {
            return stage.toCompletableFuture().get(config.commandTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HqmException(ErrorKind.TRANSIENT, what + ": interrupted", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw failure(what, e);
        }
    }

    /** A TRANSIENT failure naming what failed and the server (never its credentials). */
    HqmException failure(String what, Throwable e) {
        Throwable cause = unwrap(e);
        if (cause instanceof HqmException h) {
            return h;
        }
        return new HqmException(ErrorKind.TRANSIENT, what + " failed (Redis at " + config.url() + "): "
                + describe(cause), cause);
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static String describe(Throwable e) {
        Throwable t = unwrap(e);
        if (t instanceof RedisCommandTimeoutException || t instanceof TimeoutException) {
            return "no answer in time";
        }
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            return t.getClass().getSimpleName();
        }
        return RedisConfig.mask(message);
    }

    private static RedisURI uri(RedisConfig c) {
        RedisURI.Builder b = RedisURI.builder().withHost(c.host()).withPort(c.port()).withDatabase(c.database())
                .withSsl(c.tls()).withVerifyPeer(c.tlsVerifyPeer()).withTimeout(c.commandTimeout())
                .withClientName("openhqm");
        if (c.password() != null) {
            if (c.username() != null) {
                b.withAuthentication(c.username(), c.password().toCharArray());
            } else {
                b.withPassword(c.password().toCharArray());
            }
        }
        return b.build();
    }
}
