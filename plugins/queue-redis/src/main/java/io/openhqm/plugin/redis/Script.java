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
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Lua script of this plugin (a resource beside this class), run with {@code EVALSHA} and, when the server does
 * not know it yet (first use, or after a restart flushed its script cache), with {@code EVAL}. Thread-safe.
 */
final class Script {
    static final Script ACK = load("ack.lua");
    static final Script REQUEUE = load("requeue.lua");
    static final Script DEAD_LETTER = load("dead_letter.lua");
    static final Script MOVE_DUE = load("move_due.lua");
    static final Script RECLAIM = load("reclaim.lua");
    static final Script RECOVER = load("recover.lua");
    static final Script CLAIM_IDS = load("claim_ids.lua");

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

    private static Script load(String name) {
        try (InputStream in = Script.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + name);
            }
            return new Script(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
