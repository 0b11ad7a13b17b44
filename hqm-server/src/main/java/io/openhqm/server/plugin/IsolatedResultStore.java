package io.openhqm.server.plugin;

import io.openhqm.api.Health;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** A plugin's result store, every call entered with the plugin's class loader as context class loader. */
record IsolatedResultStore(ResultStore store, ClassLoader loader) implements ResultStore {

    @Override
    public CompletionStage<Void> put(RequestRecord record) {
        return ContextClassLoader.call(loader, () -> store.put(record));
    }

    @Override
    public CompletionStage<Optional<RequestRecord>> get(String correlationId) {
        return ContextClassLoader.call(loader, () -> store.get(correlationId));
    }

    @Override
    public CompletionStage<Optional<RequestRecord>> awaitTerminal(String correlationId, Duration maxWait) {
        return ContextClassLoader.call(loader, () -> store.awaitTerminal(correlationId, maxWait));
    }

    @Override
    public CompletionStage<IdempotencyClaim> claimIdempotencyKey(IdempotencyClaim claim) {
        return ContextClassLoader.call(loader, () -> store.claimIdempotencyKey(claim));
    }

    @Override
    public CompletionStage<Void> releaseIdempotencyKey(IdempotencyClaim claim) {
        return ContextClassLoader.call(loader, () -> store.releaseIdempotencyKey(claim));
    }

    @Override
    public CompletionStage<Void> reopen(RequestRecord record) {
        return ContextClassLoader.call(loader, () -> store.reopen(record));
    }

    @Override
    public CompletionStage<Void> discardPending(String correlationId) {
        return ContextClassLoader.call(loader, () -> store.discardPending(correlationId));
    }

    @Override
    public boolean ordersPutsBeforePublishes() {
        return ContextClassLoader.call(loader, store::ordersPutsBeforePublishes);
    }

    @Override
    public Health health() {
        return ContextClassLoader.call(loader, store::health);
    }

    @Override
    public void close() {
        ContextClassLoader.run(loader, store::close);
    }
}
