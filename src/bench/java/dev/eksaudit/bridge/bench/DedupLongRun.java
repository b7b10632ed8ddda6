package dev.eksaudit.bridge.bench;

import dev.eksaudit.bridge.decode.AuditEvent;
import dev.eksaudit.bridge.dedup.AuditIdKey;
import dev.eksaudit.bridge.dedup.AuditIdTypeInfo;
import dev.eksaudit.bridge.dedup.KeyedStateStageDeduplicator;
import dev.eksaudit.bridge.dedup.StageDeduplicator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * What the dedup stage costs per event over a whole {@code dedup.ttl}, checkpoints included, by
 * state backend, for the dedup as it is (key-group tables) and as it was (Flink keyed state): the bill of a job that runs for days, which a short benchmark run cannot show
 * (its state is seconds old). The job's {@code StageDeduplicator} in the operator test harness,
 * its TTL clock moved by the harness: {@code R} new auditIDs per checkpoint interval, a checkpoint
 * (snapshot, then completed) after each interval, for {@code 2 K} intervals where {@code K =
 * dedup.ttl / interval} (120 at the defaults, 1 h and 30 s). After the first {@code K} the state
 * is in its steady state (as many entries expire as arrive); the second {@code K} intervals are
 * measured: the process's CPU from the OS (every thread: RocksDB's flushes and compactions, GC,
 * JIT too) and the calling thread's split into processing and checkpointing. Each backend runs in
 * a JVM of its own. Checkpoints go to local files, so an upload to S3 (more CPU per byte) is not
 * in it: the heap backend writes every entry each time, RocksDB the new files only.
 *
 * <p>{@code mvn -B -Pbench -DskipTests test-compile exec:exec@dedup-long-run [-Dbench.args="R K"]}
 * (defaults 10,000 and 120).
 */
public final class DedupLongRun {
    private DedupLongRun() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int perInterval = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int ttlIntervals = args.length > 1 ? Integer.parseInt(args[1]) : 120;
        System.out.printf("%d new auditIDs per checkpoint interval, dedup.ttl = %d intervals (steady state %,d entries);"
                + " measured: intervals %d-%d, %s, load %s%n%n", perInterval, ttlIntervals,
                (long) perInterval * ttlIntervals, ttlIntervals + 1, 2 * ttlIntervals, java.time.Instant.now(), Machine.load());
        System.out.println("| Backend | Process CPU us/event | Processing (calling thread) | Checkpoints (calling thread) |"
                + " Other threads (flush, compaction, GC, JIT) | Checkpoint bytes per interval | Checkpointed state at the end |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String backend : new String[] {"keyed:heap", "keyed:rocksdb", "tables:heap", "tables:rocksdb"}) {
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(DedupLongRun.class.getName());
            command.add("child");
            command.add(backend);
            command.add(String.valueOf(perInterval));
            command.add(String.valueOf(ttlIntervals));
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String row = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith("|")) {
                        row = line;
                    }
                }
            }
            if (p.waitFor() != 0 || row == null) {
                throw new IllegalStateException(backend + " run failed (exit " + p.exitValue() + ")");
            }
            System.out.println(row);
        }
    }

    private static void child(String variant, int perInterval, int ttlIntervals) throws Exception {
        boolean keyed = variant.startsWith("keyed:");
        String backend = variant.substring(variant.indexOf(':') + 1);
        long intervalMs = 30_000;
        StateBackend state;
        if (backend.equals("rocksdb")) {
            EmbeddedRocksDBStateBackend rocks = new EmbeddedRocksDBStateBackend(true);
            // The harness's mock environment has almost no managed memory; a TaskManager slot's share.
            rocks.getMemoryConfiguration().setFixedMemoryPerSlot(MemorySize.parse("256mb"));
            state = rocks;
        } else {
            state = new HashMapStateBackend();
        }
        // dedup.ttl = K intervals of 30 s; 1 h at the defaults.
        Duration ttl = Duration.ofMillis(intervalMs * ttlIntervals);
        KeyedProcessOperator<String, AuditEvent, AuditEvent> op =
                keyed ? new KeyedProcessOperator<>(new KeyedStateStageDeduplicator(ttl)) : new StageDeduplicator(ttl);
        KeyedOneInputStreamOperatorTestHarness<String, AuditEvent, AuditEvent> h =
                new KeyedOneInputStreamOperatorTestHarness<>(op, new AuditIdKey(), AuditIdTypeInfo.INSTANCE);
        Path dir = Files.createTempDirectory("dedup-long-run");
        h.setStateBackend(state);
        h.setCheckpointStorage(new FileSystemCheckpointStorage(dir.toUri()));
        if (Boolean.getBoolean("bench.snapshotCompression")) {
            h.getExecutionConfig().setUseSnapshotCompression(true);
        }
        h.setup();
        h.open();
        byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
        Random random = new Random(1);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long processNs = 0;
        long checkpointNs = 0;
        long process0 = 0;
        long bytes = 0;
        long lastSize = 0;
        String[] ids = new String[perInterval];
        for (int interval = 1; interval <= 2 * ttlIntervals; interval++) {
            if (interval == ttlIntervals + 1) {
                process0 = Machine.processCpuNanos();
            }
            boolean measured = interval > ttlIntervals;
            for (int i = 0; i < perInterval; i++) {
                ids[i] = new UUID(random.nextLong(), random.nextLong()).toString();
            }
            long c0 = threads.getCurrentThreadCpuTime();
            long base = (interval - 1) * intervalMs;
            for (int i = 0; i < perInterval; i++) {
                // Both clocks: Flink's state TTL reads one, the key-group tables the other.
                h.setStateTtlProcessingTime(base + i * intervalMs / perInterval);
                h.setProcessingTime(base + i * intervalMs / perInterval);
                h.processElement(new StreamRecord<>(new AuditEvent(ids[i], "ResponseComplete", 0L, "k", json)));
            }
            h.getOutput().clear();
            long c1 = threads.getCurrentThreadCpuTime();
            h.setStateTtlProcessingTime(interval * intervalMs);
            OperatorSubtaskState s = h.snapshot(interval, interval * intervalMs);
            h.notifyOfCompletedCheckpoint(interval);
            long c2 = threads.getCurrentThreadCpuTime();
            if (measured) {
                processNs += c1 - c0;
                checkpointNs += c2 - c1;
                bytes += backend.equals("rocksdb") ? s.getCheckpointedSize() : s.getStateSize();
            }
            lastSize = s.getStateSize();
        }
        long processCpu = Machine.processCpuNanos() - process0;
        double events = (double) perInterval * ttlIntervals;
        double other = processCpu - processNs - checkpointNs;
        System.out.printf("| %s | %.1f | %.1f | %.1f | %.1f | %s | %s |%n",
                (keyed ? "Flink keyed state (before), " : "key-group tables (now), ")
                        + (backend.equals("rocksdb") ? "RocksDB, incremental checkpoints" : "heap (HashMap), full checkpoints"),
                processCpu / 1e3 / events, processNs / 1e3 / events, checkpointNs / 1e3 / events, other / 1e3 / events,
                human(bytes / ttlIntervals), human(lastSize));
        h.close();
        Corpus.deleteTree(dir);
        System.exit(0);
    }

    private static String human(long bytes) {
        return bytes >= 1 << 20 ? String.format("%.1f MB", bytes / 1048576.0) : String.format("%.0f KB", bytes / 1024.0);
    }
}
