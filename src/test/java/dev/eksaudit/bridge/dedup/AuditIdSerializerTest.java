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
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dedup key's serializer writes exactly StringSerializer's bytes, and dedup state that an
 * earlier version wrote with StringSerializer restores under it on both backends: the repeats it
 * remembers are still dropped.
 */
class AuditIdSerializerTest {

    @Test
    void writesTheBytesStringSerializerWrites() throws Exception {
        Random random = new Random(7);
        List<String> values = new ArrayList<>(List.of("", "a", "x".repeat(126), "x".repeat(127), "x".repeat(128),
                "x".repeat(16_383), "x".repeat(16_384), "é", "€uro", "\uffff\u0080\u007f\u3fff\u4000", "😀"));
        for (int i = 0; i < 2_000; i++) {
            values.add(new UUID(random.nextLong(), random.nextLong()).toString());
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(i < 1_000 ? 40 : 2_000);
            for (int k = 0; k < n; k++) {
                sb.append((char) (random.nextBoolean() ? 0x20 + random.nextInt(0x60) : random.nextInt(0x10000)));
            }
            values.add(sb.toString());
        }
        values.add(null);
        for (String value : values) {
            DataOutputSerializer expected = new DataOutputSerializer(64);
            StringSerializer.INSTANCE.serialize(value, expected);
            DataOutputSerializer actual = new DataOutputSerializer(64);
            AuditIdSerializer.INSTANCE.serialize(value, actual);
            assertThat(actual.getCopyOfBuffer()).isEqualTo(expected.getCopyOfBuffer());
            assertThat(AuditIdSerializer.INSTANCE.deserialize(new DataInputDeserializer(actual.getCopyOfBuffer())))
                    .isEqualTo(value);
        }
    }

    @Test
    void theJobsKeyIsWrittenByIt() {
        TypeInformation<String> key = TypeExtractor.getKeySelectorTypes(new AuditIdKey(), TypeInformation.of(AuditEvent.class));
        assertThat(key).isEqualTo(AuditIdTypeInfo.INSTANCE);
        assertThat(key.createSerializer(new org.apache.flink.api.common.serialization.SerializerConfigImpl()))
                .isSameAs(AuditIdSerializer.INSTANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"heap", "rocksdb"})
    void stateWrittenWithStringSerializerRestores(String backend, @TempDir Path dir) throws Exception {
        KeySelector<AuditEvent, String> before = e -> e.auditId;
        OperatorSubtaskState snapshot;
        // Written as the versions with keyed dedup state wrote it: keyed state under StringSerializer keys.
        try (var harness = harness(backend, dir, before, Types.STRING,
                new KeyedProcessOperator<>(new KeyedStateStageDeduplicator(Duration.ofHours(1))))) {
            harness.open();
            harness.processElement(event("a", "RequestReceived"), 1);
            harness.processElement(event("b", "ResponseComplete"), 2);
            harness.processElement(event("é-ü", "ResponseComplete"), 3);
            snapshot = harness.snapshot(1, 4);
        }
        OperatorSubtaskState again;
        try (var restored = harness(backend, dir, new AuditIdKey(), new AuditIdKey().getProducedType(),
                new StageDeduplicator(Duration.ofHours(1)))) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(event("a", "RequestReceived"), 5);
            restored.processElement(event("a", "ResponseComplete"), 6);
            restored.processElement(event("b", "ResponseComplete"), 7);
            restored.processElement(event("é-ü", "ResponseComplete"), 8);
            restored.processElement(event("c", "RequestReceived"), 9);
            assertThat(keys(restored.extractOutputValues())).containsExactly("a/ResponseComplete", "c/RequestReceived");
            again = restored.snapshot(2, 10);
        }
        // And what it writes restores under it in turn.
        try (var restored = harness(backend, dir, new AuditIdKey(), new AuditIdKey().getProducedType(),
                new StageDeduplicator(Duration.ofHours(1)))) {
            restored.initializeState(again);
            restored.open();
            restored.processElement(event("a", "ResponseComplete"), 11);
            restored.processElement(event("c", "RequestReceived"), 12);
            restored.processElement(event("é-ü", "Panic"), 13);
            assertThat(keys(restored.extractOutputValues())).containsExactly("é-ü/Panic");
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, AuditEvent, AuditEvent> harness(String backend, Path dir,
            KeySelector<AuditEvent, String> key, TypeInformation<String> keyType,
            OneInputStreamOperator<AuditEvent, AuditEvent> dedup) throws Exception {
        // RocksDB with full snapshots: the harness cannot restore an incremental one taken after a
        // restore (its shared files are placeholders only a checkpoint coordinator fills in).
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                dedup, key, keyType);
        StateBackend state = "rocksdb".equals(backend) ? new EmbeddedRocksDBStateBackend(false) : new HashMapStateBackend();
        harness.setStateBackend(state);
        harness.setCheckpointStorage(new FileSystemCheckpointStorage(dir.toUri()));
        return harness;
    }

    private static AuditEvent event(String auditId, String stage) {
        String json = "{\"kind\":\"Event\",\"auditID\":\"" + auditId + "\",\"stage\":\"" + stage + "\"}";
        return new AuditEvent(auditId, stage, 0L, "s3://b/k", json.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> keys(List<AuditEvent> events) {
        List<String> keys = new ArrayList<>();
        for (AuditEvent e : events) {
            keys.add(e.auditId + "/" + e.stage);
        }
        return keys;
    }
}
