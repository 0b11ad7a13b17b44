package io.openhqm.api.result;

import java.time.Duration;
import java.util.Objects;

/**
 * The core result-store settings, from {@code results.*}.
 *
 * @param ttl {@code results.ttl_seconds}: how long a record is kept after its last change
 */
public record ResultSettings(Duration ttl) {
    public ResultSettings {
        Objects.requireNonNull(ttl, "ttl is null");
    }
}
