package dev.eksaudit.bridge.dedup;

import dev.eksaudit.bridge.decode.AuditEvent;
import dev.eksaudit.bridge.decode.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

/**
 * Drops an audit event whose (auditID, stage) was already seen within {@code dedup.ttl}.
 *
 * <p>Keyed by auditID, so all stages of one request meet here and each request is one entry: a bit
 * per {@link Stage}. Repeats come from Firehose retries, objects written twice and the sink's
 * post-checkpoint replay; all arrive within minutes, so a TTL in hours bounds the state without
 * letting them through.
 *
 * <p>The entries are not one Flink state entry per auditID but one in-memory {@link
 * SeenStagesTable} per key group. At each checkpoint, what changed since the last one goes into
 * Flink keyed state as one chunk per key group (24 bytes per entry, in one piece), stored under a
 * key of that key group so that Flink restores and rescales it as any keyed state; a chunk is
 * removed once everything in it has expired. So each entry is written once: RocksDB with
 * incremental checkpoints uploads it once, and the heap backend, which writes all its state in
 * every checkpoint, writes 24 bytes of it per checkpoint. With one Flink state entry per auditID
 * the heap backend spent ~0.4 us of CPU per entry in every checkpoint (each entry is in
 * {@code dedup.ttl} / interval of them: 120 at the defaults, ~45 us per event) and RocksDB about as
 * much on a lookup per event and its compactions.
 *
 * <p>State written by the versions that kept keyed state per auditID ({@code seen-stages}, a TTL'd
 * Integer) is still consulted after a restore from it, until every entry it can hold has expired.
 */
public final class StageDeduplicator extends KeyedProcessOperator<String, AuditEvent, AuditEvent> {
    private static final long serialVersionUID = 1L;

    private final Duration ttl;
    private transient KeyGroupRange range;
    private transient String[] tableKeys;
    /** Per key group of this subtask, its chunks: {chunk id, latest expiry}. */
    private transient List<long[]>[] written;
    private transient long nextChunk;
    private transient MapState<Long, byte[]> chunks;
    private transient ValueState<Long> legacyUntil;

    public StageDeduplicator(Duration ttl) {
        super(new DropRepeatedStages(ttl));
        this.ttl = ttl;
    }

    private DropRepeatedStages repeats() {
        return (DropRepeatedStages) userFunction;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        TaskInfo task = getRuntimeContext().getTaskInfo();
        int maxParallelism = task.getMaxNumberOfParallelSubtasks();
        range = KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                maxParallelism, task.getNumberOfParallelSubtasks(), task.getIndexOfThisSubtask());
        tableKeys = keysFor(range, maxParallelism);
        written = new List[range.getNumberOfKeyGroups()];
        KeyedStateBackend<String> backend = getKeyedStateBackend();
        chunks = backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>("seen-stages-chunks", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        legacyUntil = backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new ValueStateDescriptor<>("seen-stages-legacy-until", Types.LONG));
        ValueState<Integer> legacy =
                backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, legacyDescriptor(ttl));
        repeats().initialize(maxParallelism, range, legacy);
        for (int i = 0; i < written.length; i++) {
            written[i] = new ArrayList<>();
        }
        if (!context.isRestored()) {
            return;
        }
        long now = getProcessingTimeService().getCurrentProcessingTime();
        boolean found = false;
        for (int keyGroup = range.getStartKeyGroup(); keyGroup <= range.getEndKeyGroup(); keyGroup++) {
            backend.setCurrentKey(tableKeys[keyGroup - range.getStartKeyGroup()]);
            Long until = legacyUntil.value();
            if (until != null) {
                repeats().restoreLegacyUntil(until);
                found = true;
            }
            // In the order they were written, so the table's sweep meets the oldest first.
            TreeMap<Long, byte[]> inOrder = new TreeMap<>();
            for (Map.Entry<Long, byte[]> chunk : chunks.entries()) {
                inOrder.put(chunk.getKey(), chunk.getValue());
            }
            for (Map.Entry<Long, byte[]> chunk : inOrder.entrySet()) {
                if (SeenStagesTable.keyGroupOf(chunk.getValue()) != keyGroup) {
                    throw new IllegalStateException("dedup state: a chunk stored for key group " + keyGroup
                            + " belongs to key group " + SeenStagesTable.keyGroupOf(chunk.getValue()));
                }
                repeats().table(keyGroup).addAll(chunk.getValue(), now);
                written[keyGroup - range.getStartKeyGroup()].add(
                        new long[] {chunk.getKey(), SeenStagesTable.latestExpiryOf(chunk.getValue())});
                nextChunk = Math.max(nextChunk, chunk.getKey() + 1);
            }
        }
        if (!found) {
            // A checkpoint of a version with keyed dedup state (every version since writes a marker per key group).
            repeats().consultLegacyState();
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        // Runs before the keyed backend takes its snapshot, so the chunks are in this checkpoint;
        // if this checkpoint fails, they are still in the state and go with the next one.
        KeyedStateBackend<String> backend = getKeyedStateBackend();
        long id = Math.max(context.getCheckpointId(), nextChunk);
        nextChunk = id + 1;
        long now = getProcessingTimeService().getCurrentProcessingTime();
        for (int keyGroup = range.getStartKeyGroup(); keyGroup <= range.getEndKeyGroup(); keyGroup++) {
            backend.setCurrentKey(tableKeys[keyGroup - range.getStartKeyGroup()]);
            legacyUntil.update(repeats().legacyUntil());
            List<long[]> mine = written[keyGroup - range.getStartKeyGroup()];
            SeenStagesTable table = repeats().table(keyGroup);
            if (table.hasChanges()) {
                byte[] chunk = table.takeChanges(keyGroup);
                chunks.put(id, chunk);
                mine.add(new long[] {id, SeenStagesTable.latestExpiryOf(chunk)});
            }
            for (Iterator<long[]> it = mine.iterator(); it.hasNext(); ) {
                long[] chunk = it.next();
                if (chunk[1] <= now) {
                    chunks.remove(chunk[0]);
                    it.remove();
                }
            }
        }
    }

    /**
     * A key in each key group of {@code range} under which its chunks are stored: the first of
     * "dedup-table-0", "dedup-table-1", ... that falls into it. The same on every restore, as a
     * String's hash is fixed. Such a key may equal a client-chosen auditID; it holds different
     * states, so neither sees the other.
     */
    static String[] keysFor(KeyGroupRange range, int maxParallelism) {
        String[] keys = new String[range.getNumberOfKeyGroups()];
        int missing = keys.length;
        for (long n = 0; missing > 0; n++) {
            String key = "dedup-table-" + n;
            int keyGroup = KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism);
            if (range.contains(keyGroup) && keys[keyGroup - range.getStartKeyGroup()] == null) {
                keys[keyGroup - range.getStartKeyGroup()] = key;
                missing--;
            }
        }
        return keys;
    }

    /**
     * The keyed state of the versions before the tables, as they registered it: restoring needs the
     * same name, type and TTL. Only read, and only after a restore from such a version.
     */
    static ValueStateDescriptor<Integer> legacyDescriptor(Duration ttl) {
        ValueStateDescriptor<Integer> descriptor = new ValueStateDescriptor<>("seen-stages", Types.INT);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .cleanupFullSnapshot()
                .cleanupIncrementally(3, false)
                .cleanupInRocksdbCompactFilter(1000)
                .build());
        return descriptor;
    }
}
