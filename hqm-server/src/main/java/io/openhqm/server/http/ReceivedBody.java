package io.openhqm.server.http;

import java.util.ArrayList;
import java.util.List;

/**
 * A request body collected chunk by chunk as it arrives (memory grows with what was received, never with what
 * was declared), and its share of the {@link BodyBudget}, given back once with {@link #release()}. Thread-safe.
 */
final class ReceivedBody {
    private final BodyBudget budget;
    private final List<byte[]> chunks = new ArrayList<>();
    private boolean released;
    private long size;

    ReceivedBody(BodyBudget budget) {
        this.budget = budget;
    }

    /** Adds a chunk if the budget allows it; {@code false} when the listener holds too many bytes already. */
    synchronized boolean add(byte[] chunk) {
        if (chunk.length == 0) {
            return true;
        }
        if (released || !budget.tryTake(chunk.length)) {
            return false;
        }
        chunks.add(chunk);
        size += chunk.length;
        return true;
    }

    synchronized long size() {
        return size;
    }

    synchronized byte[] bytes() {
        if (chunks.size() == 1) {
            return chunks.getFirst();
        }
        byte[] all = new byte[Math.toIntExact(size)];
        int at = 0;
        for (byte[] chunk : chunks) {
            System.arraycopy(chunk, 0, all, at, chunk.length);
            at += chunk.length;
        }
        chunks.clear();
        chunks.add(all);
        return all;
    }

    synchronized void release() {
        if (!released) {
            released = true;
            budget.giveBack(size);
            chunks.clear();
        }
    }
}
