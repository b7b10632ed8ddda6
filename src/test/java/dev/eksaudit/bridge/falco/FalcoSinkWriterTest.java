package dev.eksaudit.bridge.falco;

import static dev.eksaudit.bridge.falco.FalcoTestEvents.events;
import static dev.eksaudit.bridge.falco.FalcoTestEvents.keys;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.decode.AuditEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The writer on the test thread: how it batches, what it keeps in state, what it counts. */
@Timeout(60)
class FalcoSinkWriterTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private static FalcoSinkBuilder settings(FalcoWebhookReceiver receiver) {
        return FalcoSink.builder()
                .setUrls(List.of(receiver.url()))
                .setMaxBatchEvents(10)
                .setMaxInFlight(1)
                .setMaxBatchDelay(Duration.ofHours(1))
                .setInitialBackoff(Duration.ofMillis(10))
                .setMaxBackoff(Duration.ofMillis(50))
                .setRequestTimeout(Duration.ofSeconds(5));
    }

    private static FalcoSinkWriter writer(FalcoSinkBuilder b, FalcoWriterContext ctx,
            Collection<BufferedRequestState<FalcoRequestEntry>> state) throws Exception {
        return new FalcoSinkWriter(new FalcoElementConverter(), ctx, b.validate(), state);
    }

    private static void write(FalcoSinkWriter writer, List<AuditEvent> events) throws Exception {
        for (AuditEvent e : events) {
            writer.write(e, null);
        }
    }

    @Test
    void batchesAreBoundedByEventCount() throws Exception {
        List<AuditEvent> sent = events(35, 50);
        FalcoWriterContext ctx = new FalcoWriterContext();
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start();
                FalcoSinkWriter writer = writer(settings(receiver), ctx, List.of())) {
            write(writer, sent);
            writer.flush(true);
            receiver.awaitEventCount(35, DEADLINE);
            // The receiver answers before it parses (like Falco), so arrival order of batches is loose.
            assertThat(receiver.batchSizes()).containsExactlyInAnyOrder(10, 10, 10, 5);
            assertThat(receiver.eventKeys()).containsExactlyInAnyOrderElementsOf(keys(sent));
            assertThat(ctx.metrics.getCounter("eventsSent").orElseThrow().getCount()).isEqualTo(35);
            assertThat(ctx.metrics.getCounter("batchesSent").orElseThrow().getCount()).isEqualTo(4);
            assertThat(ctx.metrics.getHistogram("requestLatencyMs").orElseThrow().getCount()).isEqualTo(4);
            assertThat(ctx.metrics.<Integer>getGauge("inFlightRequests").orElseThrow().getValue()).isZero();
            long newest = sent.stream().mapToLong(e -> e.stageTimestampMillis).max().orElseThrow();
            long before = System.currentTimeMillis() - newest;
            long lag = ctx.metrics.<Long>getGauge("eventTimeLagMs").orElseThrow().getValue();
            assertThat(lag).as("now - newest delivered stageTimestamp").isBetween(before, System.currentTimeMillis() - newest);
        }
    }

    @Test
    void batchesAreBoundedByBytes() throws Exception {
        List<AuditEvent> sent = events(9, 1000);
        int size = sent.get(0).json.length;
        FalcoWriterContext ctx = new FalcoWriterContext();
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start();
                FalcoSinkWriter writer = writer(settings(receiver).setMaxBatchBytes(3L * size), ctx, List.of())) {
            write(writer, sent);
            writer.flush(true);
            receiver.awaitEventCount(9, DEADLINE);
            assertThat(receiver.batchSizes()).containsExactly(3, 3, 3);
        }
    }

    @Test
    void aPartialBatchGoesOutAfterTheMaxDelay() throws Exception {
        List<AuditEvent> sent = events(3, 50);
        FalcoWriterContext ctx = new FalcoWriterContext();
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start();
                FalcoSinkWriter writer = writer(settings(receiver).setMaxBatchDelay(Duration.ofSeconds(1)), ctx,
                        List.of())) {
            write(writer, sent);
            ctx.time.setCurrentTime(ctx.time.getCurrentProcessingTime() + 999);
            assertThat(receiver.requestCount()).isZero();
            ctx.time.setCurrentTime(ctx.time.getCurrentProcessingTime() + 1);
            receiver.awaitEventCount(3, DEADLINE);
            assertThat(receiver.batchSizes()).containsExactly(3);
        }
    }

    @Test
    void bufferedEntriesSurviveSnapshotAndRestore() throws Exception {
        List<AuditEvent> sent = events(7, 50);
        FalcoStateSerializer serializer = new FalcoStateSerializer();
        byte[] stored;
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start();
                FalcoSinkWriter writer = writer(settings(receiver), new FalcoWriterContext(), List.of())) {
            write(writer, sent);
            writer.flush(false);
            List<BufferedRequestState<FalcoRequestEntry>> state = writer.snapshotState(1);
            assertThat(state).hasSize(1);
            stored = serializer.serialize(state.get(0));
            assertThat(receiver.requestCount()).isZero();
        }
        BufferedRequestState<FalcoRequestEntry> restored = serializer.deserialize(serializer.getVersion(), stored);
        assertThat(restored.getBufferedRequestEntries().stream().map(w -> w.getRequestEntry().auditId()))
                .containsExactlyElementsOf(sent.stream().map(e -> e.auditId).collect(Collectors.toList()));
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start();
                FalcoSinkWriter writer = writer(settings(receiver), new FalcoWriterContext(), List.of(restored))) {
            writer.flush(true);
            receiver.awaitEventCount(7, DEADLINE);
            assertThat(receiver.eventKeys()).containsExactlyElementsOf(keys(sent));
            for (int i = 0; i < sent.size(); i++) {
                assertThat(receiver.events().get(i).toString())
                        .isEqualTo(FalcoTestEvents.JSON.readTree(sent.get(i).json).toString());
            }
        }
    }

    /** A retry must hand its entries back (so a checkpoint passes) instead of holding the request. */
    @Test
    void failedEntriesReturnToTheBufferWithTheirAttemptCount() throws Exception {
        List<AuditEvent> sent = events(4, 50);
        FalcoWriterContext ctx = new FalcoWriterContext();
        FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start();
        receiver.stop();
        try (FalcoSinkWriter writer = writer(settings(receiver).setMaxBatchEvents(4), ctx, List.of())) {
            write(writer, sent);
            // flush(false) is what a checkpoint does: wait for in-flight requests only.
            writer.flush(false);
            List<FalcoRequestEntry> buffered = new ArrayList<>();
            for (BufferedRequestState<FalcoRequestEntry> s : writer.snapshotState(1)) {
                s.getBufferedRequestEntries().stream().map(RequestEntryWrapper::getRequestEntry).forEach(buffered::add);
            }
            assertThat(buffered).extracting(FalcoRequestEntry::auditId)
                    .containsExactlyInAnyOrderElementsOf(sent.stream().map(e -> e.auditId).collect(Collectors.toList()));
            assertThat(buffered).allSatisfy(e -> assertThat(e.attempts()).isGreaterThanOrEqualTo(1));
            assertThat(ctx.metrics.getCounter("retries").orElseThrow().getCount()).isGreaterThanOrEqualTo(1);
        } finally {
            receiver.close();
        }
    }

    @Test
    void exhaustedAttemptsAreCountedAsDeadLetters() throws Exception {
        List<AuditEvent> sent = events(5, 50);
        FalcoWriterContext ctx = new FalcoWriterContext();
        FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start();
        receiver.stop();
        try (FalcoSinkWriter writer = writer(settings(receiver).setMaxAttempts(3), ctx, List.of())) {
            write(writer, sent);
            writer.flush(true);
            assertThat(ctx.metrics.getCounter("deadLetters", "falco-unreachable").orElseThrow().getCount())
                    .isEqualTo(5);
            // Also in Flink's standard counter of a sink's failed records.
            assertThat(ctx.metrics.getCounter("numRecordsOutErrors").orElseThrow().getCount()).isEqualTo(5);
            assertThat(ctx.metrics.getCounter("retries").orElseThrow().getCount()).isEqualTo(3);
            assertThat(writer.snapshotState(2).get(0).getBufferedRequestEntries()).isEmpty();
        } finally {
            receiver.close();
        }
    }

    /** Without dlq.path a rejected event is counted (both counters), never silently gone. */
    @Test
    void aRejectedEventWithoutDlqPathIsCounted() throws Exception {
        List<AuditEvent> sent = new ArrayList<>(events(10, 50));
        AuditEvent plain = sent.get(3);
        sent.set(3, new AuditEvent(plain.auditId, plain.stage, plain.stageTimestampMillis, plain.objectKey,
                new String(plain.json, java.nio.charset.StandardCharsets.UTF_8).replace("\"verb\":\"list\"", "\"verb\":\"<script>\"")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        FalcoWriterContext ctx = new FalcoWriterContext();
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start(
                        FalcoWebhookReceiver.Options.defaults().rejectBodiesContaining("<script>", 403));
                FalcoSinkWriter writer = writer(settings(receiver), ctx, List.of())) {
            write(writer, sent);
            writer.flush(true);
            receiver.awaitEventCount(9, DEADLINE);
            List<AuditEvent> others = new ArrayList<>(sent);
            others.remove(3);
            assertThat(receiver.eventKeys()).containsExactlyInAnyOrderElementsOf(keys(others));
            assertThat(ctx.metrics.getCounter("deadLetters", "falco-rejected").orElseThrow().getCount()).isEqualTo(1);
            assertThat(ctx.metrics.getCounter("numRecordsOutErrors").orElseThrow().getCount()).isEqualTo(1);
            assertThat(ctx.metrics.getCounter("eventsSent").orElseThrow().getCount()).isEqualTo(9);
            // Refused: the batch of 10, its first half (5), then 3, 2 and the event alone.
            assertThat(receiver.answered(403)).isEqualTo(5);
        }
    }

    /**
     * A 401 is an endpoint problem: even with falco.retry.max-attempts 1 nothing is dead-lettered,
     * the events keep all their attempts, and the URL's endpointFailing gauge is 1 until a POST
     * succeeds.
     */
    @Test
    void anEndpointProblemNeverUsesUpAttempts() throws Exception {
        List<AuditEvent> sent = events(4, 50);
        FalcoWriterContext ctx = new FalcoWriterContext();
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start();
                FalcoSinkWriter writer = writer(settings(receiver).setMaxBatchEvents(4).setMaxAttempts(1), ctx, List.of())) {
            receiver.answerAll(401, "Unauthorized");
            String url = receiver.url().toString();
            write(writer, sent);
            writer.flush(false);
            assertThat(receiver.answered(401)).isEqualTo(1);
            List<FalcoRequestEntry> buffered = new ArrayList<>();
            for (BufferedRequestState<FalcoRequestEntry> s : writer.snapshotState(1)) {
                s.getBufferedRequestEntries().stream().map(RequestEntryWrapper::getRequestEntry).forEach(buffered::add);
            }
            assertThat(buffered).extracting(FalcoRequestEntry::auditId)
                    .containsExactlyInAnyOrderElementsOf(sent.stream().map(e -> e.auditId).collect(Collectors.toList()));
            assertThat(buffered).allSatisfy(e -> assertThat(e.attempts()).isZero());
            assertThat(ctx.metrics.getCounter("numRecordsOutErrors").orElseThrow().getCount()).isZero();
            assertThat(ctx.metrics.<Integer>getGauge("url", url, "endpointFailing").orElseThrow().getValue()).isEqualTo(1);

            receiver.answerNormally();
            writer.flush(true);
            receiver.awaitEventCount(4, DEADLINE);
            assertThat(receiver.eventKeys()).containsExactlyInAnyOrderElementsOf(keys(sent));
            assertThat(ctx.metrics.<Integer>getGauge("url", url, "endpointFailing").orElseThrow().getValue()).isZero();
            assertThat(ctx.metrics.getCounter("numRecordsOutErrors").orElseThrow().getCount()).isZero();
        }
    }
}
