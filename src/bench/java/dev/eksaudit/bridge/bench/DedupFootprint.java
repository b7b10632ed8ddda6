package dev.eksaudit.bridge.bench;

import dev.eksaudit.bridge.decode.AuditEvent;
import dev.eksaudit.bridge.dedup.AuditIdKey;
import dev.eksaudit.bridge.dedup.KeyedStateStageDeduplicator;
import dev.eksaudit.bridge.dedup.StageDeduplicator;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.UUID;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * Item 7: bytes per remembered event of the dedup state: {@link StageDeduplicator}'s key-group
 * tables (JVM heap growth, checkpoint bytes; the same on any backend, they are operator state),
 * and for comparison the keyed state of the versions before them (a TTL'd Integer per auditID) on
 * the heap (HashMapStateBackend: heap growth and full checkpoint) and on RocksDB (incremental
 * checkpoint = the SST files).
 */
final class DedupFootprint {

    static final class Row {
        String backend;
        String key;
        long entries;
        double heapBytesPerEntry; // NaN for RocksDB (off-heap, bounded by managed memory)
        double checkpointBytesPerEntry;
        double insertsPerSecond;
    }

    /** {@code tables} (the dedup as it is) or {@code keyed} (as it was), on {@code heap} or {@code rocksdb}. */
    static Row measure(String implementation, String backend, int entries, java.nio.file.Path scratch) throws Exception {
        boolean tables = implementation.equals("tables");
        StateBackend sb;
        if ("rocksdb".equals(backend)) {
            // The harness's mock environment has almost no managed memory: give RocksDB what a
            // TaskManager slot typically has, or it flushes every few hundred writes.
            EmbeddedRocksDBStateBackend rocks = new EmbeddedRocksDBStateBackend(true);
            rocks.getMemoryConfiguration().setFixedMemoryPerSlot(org.apache.flink.configuration.MemorySize.parse("256mb"));
            sb = rocks;
        } else {
            sb = new HashMapStateBackend();
        }
        KeyedProcessOperator<String, AuditEvent, AuditEvent> op = tables
                ? new StageDeduplicator(Duration.ofHours(1)) : new KeyedProcessOperator<>(new KeyedStateStageDeduplicator(Duration.ofHours(1)));
        KeyedOneInputStreamOperatorTestHarness<String, AuditEvent, AuditEvent> h =
                new KeyedOneInputStreamOperatorTestHarness<>(op, new AuditIdKey(), new AuditIdKey().getProducedType());
        java.nio.file.Path dir = Files.createTempDirectory(scratch, backend);
        h.setStateBackend(sb);
        h.setCheckpointStorage(new FileSystemCheckpointStorage(dir.resolve("cp").toUri()));
        h.setup();
        h.open();
        byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
        java.util.Random random = new java.util.Random(1);
        long before = usedHeapAfterGc();
        long t0 = System.nanoTime();
        for (int i = 0; i < entries; i++) {
            String id = new UUID(random.nextLong(), random.nextLong()).toString();
            h.processElement(new StreamRecord<>(new AuditEvent(id, "ResponseComplete", 0L, "k", json)));
            if ((i & 0x3fff) == 0) {
                h.getOutput().clear();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        h.getOutput().clear();
        // After a checkpoint: the key-group tables' chunks are then in the state too (on the heap backend, on the heap).
        OperatorSubtaskState snapshot = h.snapshot(1L, 1L);
        long after = usedHeapAfterGc();
        Row r = new Row();
        r.backend = "rocksdb".equals(backend) ? "RocksDB (incremental)" : "heap (HashMap)";
        r.key = tables ? "key-group tables (now)" : "keyed state, auditID String (before)";
        r.entries = entries;
        r.heapBytesPerEntry = "rocksdb".equals(backend) && !tables ? Double.NaN : (after - before) / (double) entries;
        r.checkpointBytesPerEntry = snapshot.getStateSize() / (double) entries;
        r.insertsPerSecond = entries / seconds;
        h.close();
        Corpus.deleteTree(dir);
        return r;
    }

    static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
