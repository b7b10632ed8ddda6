package dev.eksaudit.bridge.falco;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.flink.metrics.Gauge;

/**
 * {@code eventTimeLagMs}: now minus the newest {@code stageTimestamp} Falco has accepted, i.e. how
 * far behind the API server Falco's view is. -1 until something was delivered (Flink's own
 * convention for an undefined lag). Updated from HTTP threads, read by the metric reporter.
 */
final class EventTimeLag implements Gauge<Long> {

    static final long UNDEFINED = -1L;

    private final LongSupplier clock;
    private final AtomicLong newest = new AtomicLong(0L);

    EventTimeLag(LongSupplier clock) {
        this.clock = clock;
    }

    /** Entries Falco accepted (or dry run logged); those with an unknown timestamp are ignored. */
    void delivered(List<FalcoRequestEntry> entries) {
        long max = 0L;
        for (FalcoRequestEntry e : entries) {
            max = Math.max(max, e.stageTimestampMillis());
        }
        final long candidate = max;
        if (candidate > 0L) {
            newest.accumulateAndGet(candidate, Math::max);
        }
    }

    /** One entry accepted; an unknown timestamp (0) is ignored. */
    void delivered(long stageTimestampMillis) {
        if (stageTimestampMillis > 0L) {
            newest.accumulateAndGet(stageTimestampMillis, Math::max);
        }
    }

    @Override
    public Long getValue() {
        long t = newest.get();
        return t <= 0L ? UNDEFINED : Math.max(0L, clock.getAsLong() - t);
    }
}
