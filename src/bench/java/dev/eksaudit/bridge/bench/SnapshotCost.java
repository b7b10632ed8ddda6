package dev.eksaudit.bridge.bench;

import dev.eksaudit.bridge.decode.AuditEvent;
import dev.eksaudit.bridge.dedup.AuditIdKey;
import dev.eksaudit.bridge.dedup.AuditIdTypeInfo;
import dev.eksaudit.bridge.dedup.KeyedStateStageDeduplicator;
import dev.eksaudit.bridge.dedup.StageDeduplicator;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * CPU of the dedup state's checkpoint on the heap backend, per remembered entry: the keyed state
 * of the versions before the key-group tables by key serializer (Flink's StringSerializer,
 * {@code AuditIdSerializer}, the UUID as two longs), and the key-group tables. A full snapshot writes every
 * entry, so in a long run each event pays {@code dedup.ttl / checkpoint interval} entries (120 at
 * the defaults). {@code mvn -B -Pbench -DskipTests test-compile exec:exec@snapshot-cost
 * [-Dbench.args="ENTRIES"]}; thread CPU of each snapshot (sync and async part both run in the
 * calling thread in the test harness), five snapshots per key, the median.
 */
public final class SnapshotCost {
    private SnapshotCost() {}

    public static void main(String[] args) throws Exception {
        int entries = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        System.out.printf("| Key serializer | Snapshot CPU us/entry (median of 5) | Snapshot bytes/entry | At dedup.ttl 1 h, 30 s checkpoints: us/event |%n|---|---|---|---|%n");
        for (String key : new String[] {"StringSerializer", "AuditIdSerializer", "two longs", "key-group tables"}) {
            double[] cpu = new double[5];
            long[] bytes = new long[1];
            measure(key, entries, cpu, bytes);
            Arrays.sort(cpu);
            System.out.printf("| %s | %.3f | %.1f | %.0f |%n", key, cpu[2], bytes[0] / (double) entries, cpu[2] * 120);
        }
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

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void measure(String key, int entries, double[] cpu, long[] bytes) throws Exception {
        // The keyed state of the versions before the key-group tables, under three key serializers; then the tables.
        KeyedProcessOperator op = key.equals("key-group tables")
                ? new StageDeduplicator(Duration.ofHours(1)) : new KeyedProcessOperator(new KeyedStateStageDeduplicator(Duration.ofHours(1)));
        KeyedOneInputStreamOperatorTestHarness h;
        if (key.equals("two longs")) {
            h = new KeyedOneInputStreamOperatorTestHarness(op, new CompactKey(), Types.TUPLE(Types.LONG, Types.LONG));
        } else {
            TypeInformation type = key.equals("StringSerializer") ? Types.STRING : AuditIdTypeInfo.INSTANCE;
            h = new KeyedOneInputStreamOperatorTestHarness(op, new AuditIdKey(), type);
        }
        Path dir = Files.createTempDirectory("snapshot-cost");
        h.setStateBackend(new HashMapStateBackend());
        h.setCheckpointStorage(new FileSystemCheckpointStorage(dir.toUri()));
        h.setup();
        h.open();
        byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
        Random random = new Random(1);
        for (int i = 0; i < entries; i++) {
            String id = new UUID(random.nextLong(), random.nextLong()).toString();
            h.processElement(new StreamRecord<>(new AuditEvent(id, "ResponseComplete", 0L, "k", json)));
            if ((i & 0x3fff) == 0) {
                h.getOutput().clear();
            }
        }
        h.getOutput().clear();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int k = 0; k < cpu.length; k++) {
            long c0 = threads.getCurrentThreadCpuTime();
            OperatorSubtaskState s = h.snapshot(k + 1, k + 1);
            cpu[k] = (threads.getCurrentThreadCpuTime() - c0) / 1e3 / entries;
            bytes[0] = s.getStateSize();
        }
        h.close();
        Corpus.deleteTree(dir);
    }
}
