package io.openhqm.server.engine;

import io.openhqm.api.queue.Delivery;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Starts batches of deliveries (one delivery or several) at once, except that a batch sharing an
 * {@link Delivery#orderingKey() ordering key} with an earlier unfinished one waits for it: the deliveries of one
 * key run one batch at a time, in the order they were polled. Thread-safe.
 */
final class OrderingLanes {
    private final Consumer<List<Delivery>> start;
    private final Set<String> running = new HashSet<>();
    private final List<List<Delivery>> waiting = new ArrayList<>();

    /** @param start runs a batch asynchronously and calls {@link #finished} when it is settled */
    OrderingLanes(Consumer<List<Delivery>> start) {
        this.start = start;
    }

    void submit(List<Delivery> batch) {
        Set<String> keys = keys(batch);
        if (keys.isEmpty()) {
            start.accept(batch);
            return;
        }
        synchronized (this) {
            if (!disjoint(keys, running) || waiting.stream().anyMatch(w -> !disjoint(keys, keys(w)))) {
                waiting.add(batch);
                return;
            }
            running.addAll(keys);
        }
        start.accept(batch);
    }

    void finished(List<Delivery> batch) {
        Set<String> keys = keys(batch);
        if (keys.isEmpty()) {
            return;
        }
        List<List<Delivery>> ready = new ArrayList<>();
        synchronized (this) {
            running.removeAll(keys);
            Set<String> heldBack = new HashSet<>();
            for (Iterator<List<Delivery>> it = waiting.iterator(); it.hasNext(); ) {
                List<Delivery> next = it.next();
                Set<String> nextKeys = keys(next);
                if (disjoint(nextKeys, running) && disjoint(nextKeys, heldBack)) {
                    running.addAll(nextKeys);
                    ready.add(next);
                    it.remove();
                } else {
                    heldBack.addAll(nextKeys);
                }
            }
        }
        ready.forEach(start);
    }

    /** Removes and returns the batches still waiting (at shutdown, to hand them back). */
    synchronized List<List<Delivery>> drain() {
        List<List<Delivery>> drained = new ArrayList<>(waiting);
        waiting.clear();
        return drained;
    }

    private static Set<String> keys(List<Delivery> batch) {
        Set<String> keys = new HashSet<>();
        for (Delivery delivery : batch) {
            String key = delivery.orderingKey();
            if (key != null) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static boolean disjoint(Set<String> a, Set<String> b) {
        for (String key : a) {
            if (b.contains(key)) {
                return false;
            }
        }
        return true;
    }
}
