package io.openhqm.plugin.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class PartitionProgressTest {

    @Test
    void theWatermarkIsTheFirstUnsettledOffset() {
        PartitionProgress progress = new PartitionProgress(Set.of());
        assertEquals(-1, progress.watermark(), "nothing taken yet");
        for (long offset = 10; offset < 15; offset++) {
            assertTrue(progress.track(offset));
        }
        assertEquals(10, progress.watermark());
        progress.settle(11);
        progress.settle(13);
        assertEquals(10, progress.watermark());
        assertEquals("hqm-settled:1,3", progress.commitMetadata());
        progress.settle(10);
        assertEquals(12, progress.watermark());
        assertEquals("hqm-settled:1", progress.commitMetadata());
        progress.committed(12, progress.commitMetadata());
        assertEquals(-1, progress.watermark(), "unchanged since the commit");
        progress.settle(12);
        progress.settle(14);
        assertEquals(15, progress.watermark());
        assertEquals(0, progress.unsettled());
    }

    @Test
    void offsetsSettledByAnEarlierOwnerAreSkippedAndCountAsSettled() {
        Set<Long> settled = PartitionProgress.settledIn(12, "hqm-settled:1,3");
        assertEquals(Set.of(13L, 15L), settled);
        PartitionProgress progress = new PartitionProgress(settled);
        assertTrue(progress.track(12));
        assertFalse(progress.track(13));
        assertTrue(progress.track(14));
        assertFalse(progress.track(15));
        progress.settle(12);
        assertEquals(14, progress.watermark());
        progress.settle(14);
        assertEquals(16, progress.watermark());
        assertEquals(Set.of(), PartitionProgress.settledIn(3, "written by someone else"));
    }

    @Test
    void withNothingUnsettledTheWatermarkMovesToThePositionPastATransactionMarker() {
        PartitionProgress progress = new PartitionProgress(Set.of());
        assertFalse(progress.tracking());
        progress.track(4);
        assertTrue(progress.tracking());
        progress.fetchedUpTo(6); // offset 5 is the marker of the transaction that wrote offset 4
        assertEquals(4, progress.watermark(), "the record is not settled yet");
        progress.settle(4);
        assertEquals(6, progress.watermark());
    }

    @Test
    void aSettleAfterRevokeChangesNothing() {
        PartitionProgress progress = new PartitionProgress(Set.of());
        progress.track(0);
        progress.revoke();
        assertFalse(progress.settle(0));
        assertEquals(1, progress.unsettled());
    }
}
