package dev.eksaudit.bridge.falco;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EventTimeLagTest {

    private static FalcoRequestEntry entry(long stageTimestampMillis) {
        return new FalcoRequestEntry("id", "ResponseComplete", "key", "{}".getBytes(StandardCharsets.UTF_8), 0,
                stageTimestampMillis);
    }

    @Test
    void nowMinusTheNewestDeliveredStageTimestamp() {
        AtomicLong now = new AtomicLong(10_000L);
        EventTimeLag lag = new EventTimeLag(now::get);
        assertThat(lag.getValue()).as("nothing delivered yet").isEqualTo(EventTimeLag.UNDEFINED);

        lag.delivered(List.of(entry(4_000L), entry(7_000L), entry(5_000L)));
        assertThat(lag.getValue()).isEqualTo(3_000L);

        now.set(12_000L);
        assertThat(lag.getValue()).as("grows while nothing newer arrives").isEqualTo(5_000L);

        lag.delivered(List.of(entry(6_000L)));
        assertThat(lag.getValue()).as("an older event (retry, other stage) does not move it back").isEqualTo(5_000L);

        lag.delivered(List.of(entry(11_500L)));
        assertThat(lag.getValue()).isEqualTo(500L);
    }

    @Test
    void entriesRestoredFromACheckpointHaveNoTimestampAndAreIgnored() {
        EventTimeLag lag = new EventTimeLag(() -> 10_000L);
        lag.delivered(List.of(new FalcoRequestEntry("id", "s", "k", new byte[] {'{', '}'}, 2)));
        assertThat(lag.getValue()).isEqualTo(EventTimeLag.UNDEFINED);
    }

    @Test
    void aTimestampFromTheFutureReadsAsNoLag() {
        EventTimeLag lag = new EventTimeLag(() -> 10_000L);
        lag.delivered(List.of(entry(15_000L)));
        assertThat(lag.getValue()).isZero();
    }

    @Test
    void theTimestampSurvivesARetryCopy() {
        assertThat(entry(1234L).failedOnce().stageTimestampMillis()).isEqualTo(1234L);
    }
}
