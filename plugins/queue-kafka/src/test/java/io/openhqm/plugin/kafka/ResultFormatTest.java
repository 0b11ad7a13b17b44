package io.openhqm.plugin.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.Reply;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultFormatTest {
    private static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_123L);

    @Test
    void recordsRoundTripWithEveryOptionalPartPresentOrAbsent() {
        RequestRecord pending = RequestRecord.pending("id-1", T0, null);
        assertEquals(pending, ResultFormat.decode(ResultFormat.encode(pending)));

        String longError = "x".repeat(70_000); // longer than DataOutput.writeUTF allows
        RequestRecord failed = RequestRecord.pending("id-2", T0, "owner", Map.of("source", "\"web\"", "n", "3"))
                .processing(2, T0.plusMillis(5))
                .finished(Status.FAILED, new Reply(new byte[] {0, (byte) 0xff, 7}, "application/octet-stream",
                        Map.of("x-backend", "b1"), 422), longError, 17, T0.plusMillis(40));
        assertEquals(failed, ResultFormat.decode(ResultFormat.encode(failed)));

        RequestRecord completed = RequestRecord.pending("id-3", T0, "o").processing(1, T0)
                .finished(Status.COMPLETED, Reply.json("{\"ok\":true}"), null, 3, T0.plusMillis(3));
        assertEquals(completed, ResultFormat.decode(ResultFormat.encode(completed)));
    }

    @Test
    void asStoredIsWhatDecodingGivesBack() {
        Instant t = T0.plusNanos(456_789); // finer than the format keeps
        RequestRecord finished = RequestRecord.pending("id-4", t, "owner", Map.of("k", "v")).processing(1, t)
                .finished(Status.COMPLETED, new Reply(new byte[] {1}, "text/plain", Map.of(), -1), null, -5, t);
        RequestRecord decoded = ResultFormat.decode(ResultFormat.encode(finished));
        assertEquals(decoded, ResultFormat.asStored(finished));
        assertEquals(decoded, ResultFormat.decode(ResultFormat.encode(ResultFormat.asStored(finished))));
        assertEquals(T0, decoded.submittedAt());
    }

    @Test
    void claimsRoundTrip() {
        IdempotencyClaim claim = new IdempotencyClaim("owner/key", "fingerprint", "id-9");
        assertEquals(claim, ResultFormat.decodeClaim("owner/key", ResultFormat.encodeClaim(claim)));
    }

    @Test
    void anotherFormatIsRejected() {
        byte[] bytes = ResultFormat.encode(RequestRecord.pending("id", T0, null));
        bytes[0] = 9;
        assertThrows(IllegalStateException.class, () -> ResultFormat.decode(bytes));
    }
}
