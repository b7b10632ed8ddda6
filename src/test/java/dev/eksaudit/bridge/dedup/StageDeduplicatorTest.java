package dev.eksaudit.bridge.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.decode.AuditEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StageDeduplicatorTest {

    private static final Duration TTL = Duration.ofMinutes(60);
    private static final int MAX_PARALLELISM = 128;

    @Test
    void dropsARepeatedAuditIdAndStageButKeepsOtherStages() throws Exception {
        try (var harness = harness(new StageDeduplicator(TTL), 1, 0)) {
            harness.open();
            harness.processElement(event("a", "RequestReceived"), 1);
            harness.processElement(event("a", "ResponseComplete"), 2);
            harness.processElement(event("a", "RequestReceived"), 3);
            harness.processElement(event("b", "RequestReceived"), 4);
            harness.processElement(event("a", "ResponseComplete"), 5);
            harness.processElement(event("b", "Panic"), 6);

            assertThat(keys(harness.extractOutputValues()))
                    .containsExactly("a/RequestReceived", "a/ResponseComplete", "b/RequestReceived", "b/Panic");
            // Not one Flink state entry per auditID: at a checkpoint, a marker per key group and a
            // chunk of what changed in the key groups of "a" and "b".
            assertThat(harness.numKeyedStateEntries()).isZero();
            harness.snapshot(1, 7);
            assertThat(harness.numKeyedStateEntries()).isEqualTo(MAX_PARALLELISM + keyGroups("a", "b"));
        }
    }

    @Test
    void forgetsAnEventAfterTheTtlFromItsLastNewStage() throws Exception {
        String id = UUID.randomUUID().toString();
        try (var harness = harness(new StageDeduplicator(TTL), 1, 0)) {
            harness.open();
            harness.setProcessingTime(1_000);
            harness.processElement(event(id, "ResponseComplete"), 1);
            harness.setProcessingTime(1_000 + TTL.toMillis() - 1);
            harness.processElement(event(id, "ResponseComplete"), 2); // a repeat does not extend it
            harness.processElement(event(id, "Panic"), 3); // a new stage does
            harness.setProcessingTime(1_000 + TTL.toMillis());
            harness.processElement(event(id, "ResponseComplete"), 4);
            harness.processElement(event(id, "Panic"), 5);
            harness.setProcessingTime(1_000 + 2 * TTL.toMillis() - 1);
            harness.processElement(event(id, "ResponseComplete"), 6);
            harness.setProcessingTime(1_000 + 2 * TTL.toMillis());
            harness.processElement(event(id, "Panic"), 7);

            assertThat(keys(harness.extractOutputValues()))
                    .containsExactly(id + "/ResponseComplete", id + "/Panic", id + "/ResponseComplete", id + "/Panic");
        }
    }

    @Test
    void keepsAuditIdsThatAreNotLowercaseUuidsExactly() throws Exception {
        String lower = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        List<String> ids = List.of(lower, lower.toUpperCase(), "client-chosen audit id", "é", "");
        try (var harness = harness(new StageDeduplicator(TTL), 1, 0)) {
            harness.open();
            for (String id : ids) {
                harness.processElement(event(id, "ResponseComplete"), 1);
            }
            OperatorSubtaskState snapshot = harness.snapshot(1, 2);
            try (var restored = harness(new StageDeduplicator(TTL), 1, 0)) {
                restored.initializeState(snapshot);
                restored.open();
                for (String id : ids) {
                    restored.processElement(event(id, "ResponseComplete"), 3);
                    restored.processElement(event(id, "RequestReceived"), 4);
                }
                assertThat(keys(restored.extractOutputValues())).containsExactlyElementsOf(
                        ids.stream().map(id -> id + "/RequestReceived").toList());
            }
            assertThat(keys(harness.extractOutputValues())).hasSize(ids.size());
        }
    }

    @Test
    void remembersAcrossSnapshotAndRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness(new StageDeduplicator(TTL), 1, 0)) {
            harness.open();
            harness.processElement(event("a", "RequestReceived"), 1);
            harness.processElement(event("b", "RequestReceived"), 2);
            snapshot = harness.snapshot(1, 3);
        }
        try (var restored = harness(new StageDeduplicator(TTL), 1, 0)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(event("a", "RequestReceived"), 4);
            restored.processElement(event("a", "ResponseComplete"), 5);
            restored.processElement(event("b", "RequestReceived"), 6);
            restored.processElement(event("c", "RequestReceived"), 7);

            assertThat(keys(restored.extractOutputValues())).containsExactly("a/ResponseComplete", "c/RequestReceived");
        }
    }

    /** Scale out 1 -> 3, then in 3 -> 2: each subtask keeps the entries of its key groups, none is lost. */
    @Test
    void remembersAcrossRescaling() throws Exception {
        List<String> ids = uuids(3_000, 7);
        OperatorSubtaskState one;
        try (var harness = harness(new StageDeduplicator(TTL), 1, 0)) {
            harness.open();
            for (String id : ids) {
                harness.processElement(event(id, "ResponseComplete"), 1);
            }
            one = harness.snapshot(1, 2);
        }
        List<String> fresh = uuids(300, 8);
        OperatorSubtaskState[] three = new OperatorSubtaskState[3];
        int forwarded = 0;
        for (int subtask = 0; subtask < 3; subtask++) {
            try (var h = rescaled(one, 1, 3, subtask)) {
                feed(h, ownedBy(ids, 3, subtask), "ResponseComplete");
                feed(h, ownedBy(fresh, 3, subtask), "ResponseComplete");
                assertThat(keys(h.extractOutputValues()))
                        .containsExactlyElementsOf(ownedBy(fresh, 3, subtask).stream().map(id -> id + "/ResponseComplete").toList());
                forwarded += h.extractOutputValues().size();
                three[subtask] = h.snapshot(2, 4);
            }
        }
        assertThat(forwarded).isEqualTo(fresh.size());
        OperatorSubtaskState merged = AbstractStreamOperatorTestHarness.repackageState(three);
        for (int subtask = 0; subtask < 2; subtask++) {
            try (var h = rescaled(merged, 3, 2, subtask)) {
                feed(h, ownedBy(ids, 2, subtask), "ResponseComplete");
                feed(h, ownedBy(fresh, 2, subtask), "ResponseComplete");
                feed(h, ownedBy(fresh, 2, subtask), "Panic");
                assertThat(keys(h.extractOutputValues()))
                        .containsExactlyElementsOf(ownedBy(fresh, 2, subtask).stream().map(id -> id + "/Panic").toList());
            }
        }
    }

    /**
     * A checkpoint of the versions that kept dedup in keyed state: its entries still drop repeats
     * after the restore, also through a checkpoint of this version taken in between, for one TTL
     * from the restore; after that the old state is not read any more.
     */
    @ParameterizedTest
    @ValueSource(strings = {"heap", "rocksdb"})
    void aCheckpointOfTheKeyedStateVersionStillDropsRepeats(String backend, @TempDir Path dir) throws Exception {
        String old = "11111111-2222-4333-8444-555555555555";
        OperatorSubtaskState legacy;
        try (var harness = harness(new KeyedProcessOperator<>(new KeyedStateStageDeduplicator(TTL)), 1, 0)) {
            backend(harness, backend, dir);
            harness.open();
            harness.processElement(event(old, "RequestReceived"), 1);
            harness.processElement(event("old-style-id", "ResponseComplete"), 2);
            legacy = harness.snapshot(1, 3);
        }
        OperatorSubtaskState again;
        try (var restored = harness(new StageDeduplicator(TTL), 1, 0)) {
            backend(restored, backend, dir);
            restored.initializeState(legacy);
            restored.open();
            restored.setProcessingTime(10_000);
            restored.processElement(event(old, "RequestReceived"), 4);
            restored.processElement(event(old, "ResponseComplete"), 5);
            restored.processElement(event("old-style-id", "ResponseComplete"), 6);
            assertThat(keys(restored.extractOutputValues())).containsExactly(old + "/ResponseComplete");
            again = restored.snapshot(2, 7);
        }
        try (var restored = harness(new StageDeduplicator(TTL), 1, 0)) {
            backend(restored, backend, dir);
            restored.initializeState(again);
            restored.open();
            restored.setProcessingTime(10_000 + TTL.toMillis() - 1);
            restored.processElement(event("old-style-id", "ResponseComplete"), 8);
            restored.processElement(event(old, "ResponseComplete"), 9);
            restored.processElement(event(old, "Panic"), 10);
            restored.setProcessingTime(10_000 + TTL.toMillis());
            // The window has closed: the old state is no longer consulted.
            restored.processElement(event("old-style-id", "ResponseComplete"), 11);
            assertThat(keys(restored.extractOutputValues())).containsExactly(old + "/Panic", "old-style-id/ResponseComplete");
        }
    }

    /**
     * Each entry goes into the state once, 24 bytes, in the chunk of the checkpoint after it
     * changed; a chunk leaves the state when all in it has expired. (The heap backend writes all
     * chunks in every checkpoint; RocksDB's incremental checkpoints upload each once.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"heap", "rocksdb"})
    void eachEntryIsWrittenOnceAndItsChunkDroppedWhenAllInItExpired(String backend, @TempDir Path dir) throws Exception {
        List<String> first = uuids(100_000, 9);
        List<String> second = uuids(1_000, 10);
        try (var harness = harness(new StageDeduplicator(TTL), 1, 0)) {
            backend(harness, backend, dir);
            harness.open();
            harness.setProcessingTime(1_000);
            for (String id : first) {
                harness.processElement(event(id, "ResponseComplete"), 1);
            }
            long one = harness.snapshot(1, 2).getStateSize();
            assertThat(harness.getOperator().getKeyedStateBackend()
                    .getKeys("seen-stages-chunks", org.apache.flink.runtime.state.VoidNamespace.INSTANCE).count())
                    .isEqualTo(MAX_PARALLELISM);
            harness.setProcessingTime(2_000);
            for (String id : second) {
                harness.processElement(event(id, "ResponseComplete"), 3);
            }
            for (String id : first.subList(0, 100)) {
                harness.processElement(event(id, "ResponseComplete"), 3); // repeats: no change
            }
            long two = harness.snapshot(2, 4).getStateSize();
            harness.setProcessingTime(1_000 + TTL.toMillis());
            long three = harness.snapshot(3, 5).getStateSize();
            harness.setProcessingTime(2_000 + TTL.toMillis());
            long four = harness.snapshot(4, 6).getStateSize();
            assertThat(harness.getOperator().getKeyedStateBackend()
                    .getKeys("seen-stages-chunks", org.apache.flink.runtime.state.VoidNamespace.INSTANCE).count()).isZero();
            // Each snapshot holds all live chunks (the harness takes full snapshots on RocksDB too);
            // what is not entries is a few bytes per key group (its marker, keys, framing).
            long perKeyGroup = 128 * 300;
            if (backend.equals("heap")) {
                assertThat(one).isBetween(100_000L * 24, 100_000L * 24 + perKeyGroup);
                assertThat(two - one).isBetween(1_000L * 24 - perKeyGroup, 1_000L * 24 + perKeyGroup);
                assertThat(three).isBetween(1_000L * 24, 1_000L * 24 + perKeyGroup);
                assertThat(four).isLessThan(perKeyGroup);
                // Only the markers are left.
                assertThat(harness.numKeyedStateEntries()).isEqualTo(MAX_PARALLELISM);
            } else {
                // RocksDB compresses its files: at least the 16 random bytes of each ID remain.
                assertThat(one).isGreaterThan(100_000L * 16);
            }
        }
    }

    private static void backend(KeyedOneInputStreamOperatorTestHarness<String, AuditEvent, AuditEvent> h, String backend,
            Path dir) {
        // RocksDB with full snapshots: the harness cannot restore an incremental one taken after a restore.
        h.setStateBackend("rocksdb".equals(backend) ? new EmbeddedRocksDBStateBackend(false) : new HashMapStateBackend());
        h.setCheckpointStorage(new FileSystemCheckpointStorage(dir.toUri()));
    }

    /** Not yet opened, so a snapshot can be restored into it first. */
    private static KeyedOneInputStreamOperatorTestHarness<String, AuditEvent, AuditEvent> harness(
            OneInputStreamOperator<AuditEvent, AuditEvent> dedup, int parallelism, int subtask) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(dedup, new AuditIdKey(),
                new AuditIdKey().getProducedType(), MAX_PARALLELISM, parallelism, subtask);
    }

    /** Key groups (of 128) holding at least one of {@code ids}. */
    private static long keyGroups(String... ids) {
        return java.util.Arrays.stream(ids).mapToInt(id -> KeyGroupRangeAssignment.assignToKeyGroup(id, MAX_PARALLELISM))
                .distinct().count();
    }

    /** Subtask {@code subtask} of {@code to}, restored from a checkpoint taken at parallelism {@code from}, opened. */
    private static KeyedOneInputStreamOperatorTestHarness<String, AuditEvent, AuditEvent> rescaled(
            OperatorSubtaskState state, int from, int to, int subtask) throws Exception {
        var h = harness(new StageDeduplicator(TTL), to, subtask);
        h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(state, MAX_PARALLELISM, from, to, subtask));
        h.open();
        return h;
    }

    private static void feed(KeyedOneInputStreamOperatorTestHarness<String, AuditEvent, AuditEvent> h, List<String> ids,
            String stage) throws Exception {
        for (String id : ids) {
            h.processElement(event(id, stage), 1);
        }
    }

    private static List<String> ownedBy(List<String> ids, int parallelism, int subtask) {
        return ids.stream()
                .filter(id -> KeyGroupRangeAssignment.assignKeyToParallelOperator(id, MAX_PARALLELISM, parallelism) == subtask)
                .toList();
    }

    private static List<String> uuids(int n, long seed) {
        Random random = new Random(seed);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(new UUID(random.nextLong(), random.nextLong()).toString());
        }
        return ids;
    }

    private static AuditEvent event(String auditId, String stage) {
        String json = "{\"kind\":\"Event\",\"auditID\":\"" + auditId + "\",\"stage\":\"" + stage + "\"}";
        return new AuditEvent(auditId, stage, 0L, "s3://b/k", json.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> keys(List<AuditEvent> events) {
        return events.stream().map(e -> e.auditId + "/" + e.stage).toList();
    }
}
