package dev.eksaudit.bridge.bench;

import dev.eksaudit.bridge.decode.AuditEvent;
import dev.eksaudit.bridge.dedup.AuditIdKey;
import dev.eksaudit.bridge.dedup.StageDeduplicator;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * Item 7: bytes per remembered event of the dedup state ({@link StageDeduplicator}, TTL on), on the
 * heap (HashMapStateBackend: JVM heap growth and full checkpoint) and on RocksDB (incremental
 * checkpoint = the SST files), with today's key (auditID as a 36-character String) and with a
 * compact key (the same UUID as two longs, 16 bytes).
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

    /** The same UUID as 16 bytes: two longs. */
    static final class CompactKey implements KeySelector<AuditEvent, Tuple2<Long, Long>> {
        private static final long serialVersionUID = 1L;

        @Override
        public Tuple2<Long, Long> getKey(AuditEvent e) {
            UUID id = UUID.fromString(e.auditId);
            return Tuple2.of(id.getMostSignificantBits(), id.getLeastSignificantBits());
        }
    }

    static Row measure(String backend, boolean compact, int entries, java.nio.file.Path scratch) throws Exception {
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
        KeyedProcessOperator<Object, AuditEvent, AuditEvent> op = operator();
        @SuppressWarnings({"unchecked", "rawtypes"})
        KeyedOneInputStreamOperatorTestHarness<Object, AuditEvent, AuditEvent> h = compact
                ? new KeyedOneInputStreamOperatorTestHarness(op, new CompactKey(), Types.TUPLE(Types.LONG, Types.LONG))
                : new KeyedOneInputStreamOperatorTestHarness(op, new AuditIdKey(), (TypeInformation) Types.STRING);
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
        long after = usedHeapAfterGc();
        OperatorSubtaskState snapshot = h.snapshot(1L, 1L);
        Row r = new Row();
        r.backend = "rocksdb".equals(backend) ? "RocksDB (incremental)" : "heap (HashMap)";
        r.key = compact ? "UUID as 16 bytes" : "auditID String (36 chars)";
        r.entries = entries;
        r.heapBytesPerEntry = "rocksdb".equals(backend) ? Double.NaN : (after - before) / (double) entries;
        r.checkpointBytesPerEntry = snapshot.getStateSize() / (double) entries;
        r.insertsPerSecond = entries / seconds;
        h.close();
        Corpus.deleteTree(dir);
        return r;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static KeyedProcessOperator<Object, AuditEvent, AuditEvent> operator() {
        // StageDeduplicator never reads its key, so it runs unchanged under either key type.
        KeyedProcessFunction f = new StageDeduplicator(Duration.ofHours(1));
        return new KeyedProcessOperator<>(f);
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
