package dev.eksaudit.bridge.dedup;

import dev.eksaudit.bridge.decode.AuditEvent;
import dev.eksaudit.bridge.decode.Stage;
import dev.eksaudit.bridge.summary.RunTotals;
import java.time.Duration;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The per-event part of {@link StageDeduplicator}: one {@link SeenStagesTable} per key group of
 * this subtask, and the decision for each event. The operator checkpoints and restores the tables.
 */
final class DropRepeatedStages extends KeyedProcessFunction<String, AuditEvent, AuditEvent> {
    private static final long serialVersionUID = 1L;

    private final long ttlMillis;
    private transient int maxParallelism;
    private transient int firstKeyGroup;
    private transient SeenStagesTable[] tables;
    private transient ValueState<Integer> legacy;
    /** 0: no older state to consult; -1: restored from it, the window starts with the first event; else until when. */
    private transient long legacyUntil;
    private transient Counter duplicatesDropped;
    private transient LongCounter duplicatesTotal;
    private transient LongCounter forwardedTotal;

    DropRepeatedStages(Duration ttl) {
        this.ttlMillis = ttl.toMillis();
    }

    /** Called by the operator before {@link #open}, restored or not. */
    void initialize(int maxParallelism, KeyGroupRange range, ValueState<Integer> legacy) {
        this.maxParallelism = maxParallelism;
        this.firstKeyGroup = range.getStartKeyGroup();
        this.tables = new SeenStagesTable[range.getNumberOfKeyGroups()];
        this.legacy = legacy;
    }

    @Override
    public void open(OpenContext openContext) {
        duplicatesDropped = getRuntimeContext().getMetricGroup().counter("duplicatesDropped");
        getRuntimeContext().getMetricGroup().gauge("dedupEntries", (Gauge<Long>) this::entries);
        // Totals for the bounded run's summary line (accumulators come back with the job's result).
        duplicatesTotal = new LongCounter();
        forwardedTotal = new LongCounter();
        getRuntimeContext().addAccumulator(RunTotals.DUPLICATES, duplicatesTotal);
        getRuntimeContext().addAccumulator(RunTotals.EVENTS_TO_FALCO, forwardedTotal);
    }

    @Override
    public void processElement(AuditEvent event, Context ctx, Collector<AuditEvent> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        // The decoder only lets the four known stages through.
        int bit = Stage.valueOf(event.stage).bit();
        String auditId = ctx.getCurrentKey();
        boolean repeat = legacyUntil != 0 && seenBefore(bit, now);
        if (!table(KeyGroupRangeAssignment.assignToKeyGroup(auditId, maxParallelism)).add(auditId, bit, now, ttlMillis)
                || repeat) {
            duplicatesDropped.inc();
            duplicatesTotal.add(1);
            return;
        }
        forwardedTotal.add(1);
        out.collect(event);
    }

    /** The older versions' keyed state, while it can still hold an entry that has not expired. */
    private boolean seenBefore(int bit, long now) throws Exception {
        if (legacyUntil == -1) {
            legacyUntil = now + ttlMillis;
        }
        if (now >= legacyUntil) {
            legacyUntil = 0;
            return false;
        }
        Integer stages = legacy.value();
        return stages != null && (stages & bit) != 0;
    }

    long legacyUntil() {
        return legacyUntil;
    }

    /** Restored: the legacy window as a subtask that owned this key group recorded it. */
    void restoreLegacyUntil(long until) {
        legacyUntil = until == -1 || legacyUntil == -1 ? -1 : Math.max(legacyUntil, until);
    }

    /** Restored from a checkpoint without tables (a version with keyed dedup state): consult it for one TTL. */
    void consultLegacyState() {
        legacyUntil = -1;
    }

    SeenStagesTable table(int keyGroup) {
        SeenStagesTable t = tables[keyGroup - firstKeyGroup];
        if (t == null) {
            t = new SeenStagesTable();
            tables[keyGroup - firstKeyGroup] = t;
        }
        return t;
    }

    private long entries() {
        long n = 0;
        for (SeenStagesTable t : tables) {
            n += t == null ? 0 : t.size();
        }
        return n;
    }
}
