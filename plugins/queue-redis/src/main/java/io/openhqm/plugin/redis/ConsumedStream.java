package io.openhqm.plugin.redis;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one {@link RedisConsumer} keeps about one stream it reads (the request stream or its pool's retry stream):
 * the entries it holds in flight, whose leases it renews; the entries whose settling failed, to take back; and its
 * positions in the scans of pending entries. The sets are shared with the lease timer and the settling threads; the
 * rest is used by the polling thread only.
 */
final class ConsumedStream {
    final String name;
    final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    final Set<String> abandoned = ConcurrentHashMap.newKeySet();
    boolean recovered;
    String recoverFrom = "-";
    String reclaimCursor = "0-0";

    ConsumedStream(String name) {
        this.name = name;
    }

    @Override
    public String toString() {
        return name;
    }
}
