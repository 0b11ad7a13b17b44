package io.openhqm.plugin.kafka;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a consumer holds of one assigned partition: the offsets it handed out, which of them are settled, and so
 * the offset it may commit, the watermark: the first offset not yet settled (everything before it is done). Records
 * settled above the watermark travel in the commit's metadata ({@link #commitMetadata()}), so the next owner of the
 * partition skips them instead of processing them again.
 *
 * <p>One instance per assignment: when the partition is revoked the instance is {@link #revoke() revoked} and a
 * later settle of one of its records changes nothing. Thread-safe (the poll thread tracks and commits, workers
 * settle).
 */
final class PartitionProgress {
    /** How much commit metadata to write at most (the broker's default limit is 4096 bytes). */
    private static final int MAX_METADATA = 3000;
    private static final String METADATA_PREFIX = "hqm-settled:";

    private final TreeMap<Long, Boolean> handedOut = new TreeMap<>(); // offset → settled
    private final Set<Long> settledBefore;
    private long next = -1;
    private long committed = -1;
    private String committedMetadata = "";
    private boolean revoked;

    /** @param settledBefore offsets above the committed one that an earlier owner settled (from commit metadata) */
    PartitionProgress(Set<Long> settledBefore) {
        this.settledBefore = new HashSet<>(settledBefore);
    }

    /**
     * Takes on the record at {@code offset}: false if an earlier owner settled it already (it is counted as
     * settled and must not be delivered).
     */
    synchronized boolean track(long offset) {
        next = offset + 1;
        boolean settled = settledBefore.remove(offset);
        handedOut.put(offset, settled);
        return !settled;
    }

    /**
     * Notes the consumer's position after a poll whose records were all tracked: with nothing unsettled the
     * watermark moves there, past the transaction markers that take offsets but are never handed out.
     */
    synchronized void fetchedUpTo(long position) {
        next = Math.max(next, position);
    }

    /** Whether a record was tracked, so the consumer has a position in the partition. */
    synchronized boolean tracking() {
        return next >= 0;
    }

    /** Marks the record at {@code offset} settled; false if the partition was revoked meanwhile (nothing changes). */
    synchronized boolean settle(long offset) {
        if (revoked || !handedOut.containsKey(offset)) {
            return false;
        }
        handedOut.put(offset, true);
        return true;
    }

    synchronized boolean revoked() {
        return revoked;
    }

    synchronized void revoke() {
        revoked = true;
    }

    /** Records handed out and not settled. */
    synchronized int unsettled() {
        int n = 0;
        for (boolean settled : handedOut.values()) {
            if (!settled) {
                n++;
            }
        }
        return n;
    }

    /**
     * The offset to commit now, moving the watermark past the settled prefix, or {@code -1} when nothing changed
     * since the last {@link #committed}.
     */
    synchronized long watermark() {
        while (!handedOut.isEmpty() && handedOut.firstEntry().getValue()) {
            handedOut.pollFirstEntry();
        }
        long mark = handedOut.isEmpty() ? next : handedOut.firstKey();
        if (mark < 0 || (mark == committed && commitMetadata().equals(committedMetadata))) {
            return -1;
        }
        return mark;
    }

    /** The settled offsets above the watermark, as commit metadata (as many as fit). */
    synchronized String commitMetadata() {
        if (handedOut.isEmpty()) {
            return "";
        }
        long base = handedOut.firstKey();
        StringBuilder out = new StringBuilder();
        for (Map.Entry<Long, Boolean> e : handedOut.entrySet()) {
            if (e.getValue()) {
                String delta = Long.toString(e.getKey() - base);
                if (out.length() + delta.length() + 1 > MAX_METADATA) {
                    break;
                }
                out.append(out.isEmpty() ? "" : ",").append(delta);
            }
        }
        return out.isEmpty() ? "" : METADATA_PREFIX + out;
    }

    /** Notes that {@code offset} with {@code metadata} was committed. */
    synchronized void committed(long offset, String metadata) {
        committed = offset;
        committedMetadata = metadata;
    }

    /** The offsets above {@code committed} that commit metadata written by {@link #commitMetadata()} names. */
    static Set<Long> settledIn(long committed, String metadata) {
        if (metadata == null || !metadata.startsWith(METADATA_PREFIX)) {
            return Set.of();
        }
        List<Long> offsets = new ArrayList<>();
        for (String delta : metadata.substring(METADATA_PREFIX.length()).split(",")) {
            try {
                offsets.add(committed + Long.parseLong(delta));
            } catch (NumberFormatException e) {
                return Set.of();
            }
        }
        return Set.copyOf(offsets);
    }
}
