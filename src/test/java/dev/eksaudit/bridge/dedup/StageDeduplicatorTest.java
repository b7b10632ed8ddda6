package dev.eksaudit.bridge.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.decode.AuditEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class StageDeduplicatorTest {

    private static final Duration TTL = Duration.ofMinutes(60);

    @Test
    void dropsARepeatedAuditIdAndStageButKeepsOtherStages() throws Exception {
        try (var harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new StageDeduplicator(TTL), new AuditIdKey(), Types.STRING)) {
            harness.processElement(event("a", "RequestReceived"), 1);
            harness.processElement(event("a", "ResponseComplete"), 2);
            harness.processElement(event("a", "RequestReceived"), 3);
            harness.processElement(event("b", "RequestReceived"), 4);
            harness.processElement(event("a", "ResponseComplete"), 5);
            harness.processElement(event("b", "Panic"), 6);

            assertThat(keys(harness.extractOutputValues()))
                    .containsExactly("a/RequestReceived", "a/ResponseComplete", "b/RequestReceived", "b/Panic");
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        }
    }

    @Test
    void forgetsAnEventAfterTheTtl() throws Exception {
        try (var harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new StageDeduplicator(TTL), new AuditIdKey(), Types.STRING)) {
            harness.setStateTtlProcessingTime(0);
            harness.processElement(event("a", "ResponseComplete"), 1);
            harness.setStateTtlProcessingTime(TTL.toMillis() - 1);
            harness.processElement(event("a", "ResponseComplete"), 2);
            harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
            harness.processElement(event("a", "ResponseComplete"), 3);

            assertThat(keys(harness.extractOutputValues())).containsExactly("a/ResponseComplete", "a/ResponseComplete");
        }
    }

    @Test
    void remembersAcrossSnapshotAndRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness()) {
            harness.open();
            harness.processElement(event("a", "RequestReceived"), 1);
            harness.processElement(event("b", "RequestReceived"), 2);
            snapshot = harness.snapshot(1, 3);
        }
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(event("a", "RequestReceived"), 4);
            restored.processElement(event("a", "ResponseComplete"), 5);
            restored.processElement(event("b", "RequestReceived"), 6);
            restored.processElement(event("c", "RequestReceived"), 7);

            assertThat(keys(restored.extractOutputValues())).containsExactly("a/ResponseComplete", "c/RequestReceived");
        }
    }

    /** Not yet opened, so a snapshot can be restored into it first. */
    private static KeyedOneInputStreamOperatorTestHarness<String, AuditEvent, AuditEvent> harness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new StageDeduplicator(TTL)), new AuditIdKey(), Types.STRING);
    }

    private static AuditEvent event(String auditId, String stage) {
        String json = "{\"kind\":\"Event\",\"auditID\":\"" + auditId + "\",\"stage\":\"" + stage + "\"}";
        return new AuditEvent(auditId, stage, 0L, "s3://b/k", json.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> keys(List<AuditEvent> events) {
        return events.stream().map(e -> e.auditId + "/" + e.stage).toList();
    }
}
