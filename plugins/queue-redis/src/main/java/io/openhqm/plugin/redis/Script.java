package io.openhqm.plugin.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Lua script of this plugin (a resource beside this class, preceded by the library resources it uses), run with
 * {@code EVALSHA} and, when the server does not know it (a restart flushed its script cache), with {@code EVAL}.
 * {@link #loadAll} loads every script when a connection is established, so the hot path never waits for the
 * fallback, and a put is not overtaken by the publish sent after it. Thread-safe.
 */
final class Script {
    private static final List<Script> ALL = new ArrayList<>();
    static final Script ACK = load("ack.lua", "settle.lua");
    static final Script COMPLETE = load("complete.lua", "record.lua", "settle.lua");
    static final Script REQUEUE = load("requeue.lua", "settle.lua");
    static final Script DEAD_LETTER = load("dead_letter.lua", "settle.lua");
    static final Script RENEW = load("renew.lua");
    static final Script MOVE_DUE = load("move_due.lua");
    static final Script RECLAIM = load("reclaim.lua");
    static final Script RECOVER = load("recover.lua");
    static final Script CLAIM_IDS = load("claim_ids.lua");
    static final Script PUT_RECORD = load("put_record.lua", "record.lua");
    static final Script DISCARD_PENDING = load("discard_pending.lua", "record.lua");
    static final Script RELEASE_CLAIM = load("release_claim.lua");
    static final Script REDRIVE = load("redrive.lua");

    private final String name;
    private final String source;
    private final String sha;

    private Script(String name, String source) {
        this.name = name;
        this.source = source;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Script load(String name, String... libraries) {
        StringBuilder source = new StringBuilder();
        for (String library : libraries) {
            source.append(resource(library));
        }
        Script script = new Script(name, source.append(resource(name)).toString());
        ALL.add(script);
        return script;
    }

    private static String resource(String name) {
        try (InputStream in = Script.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads every script into the server's script cache; the stage completes when all are loaded. */
    static CompletableFuture<Void> loadAll(RedisAsyncCommands<String, byte[]> redis) {
        return CompletableFuture.allOf(ALL.stream()
                .map(script -> redis.scriptLoad(script.source).toCompletableFuture())
                .toArray(CompletableFuture[]::new));
    }

    /** Runs the script; the stage fails with Lettuce's exception if Redis does. */
    <T> CompletableFuture<T> run(RedisAsyncCommands<String, byte[]> redis, ScriptOutputType type, String[] keys,
                                 byte[]... args) {
        CompletableFuture<T> result = new CompletableFuture<>();
        redis.<T>evalsha(sha, type, keys, args).whenComplete((value, failure) -> {
            if (failure == null) {
                result.complete(value);
            } else if (isNoScript(failure)) {
                redis.<T>eval(source, type, keys, args).whenComplete((v, f) -> {
                    if (f == null) {
                        result.complete(v);
                    } else {
                        result.completeExceptionally(f);
                    }
                });
            } else {
                result.completeExceptionally(failure);
            }
        });
        return result;
    }

    private static boolean isNoScript(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause instanceof RedisNoScriptException
                || (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT"));
    }

    @Override
    public String toString() {
        return "Script[" + name + "]";
    }
}
