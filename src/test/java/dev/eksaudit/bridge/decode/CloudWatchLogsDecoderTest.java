package dev.eksaudit.bridge.decode;

import static dev.eksaudit.bridge.decode.DecodeHarness.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.eksaudit.bridge.deadletter.DeadLetter;
import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import dev.eksaudit.bridge.decode.DecodeHarness.Decoded;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CloudWatchLogsDecoderTest {
    private static final String KEY = "s3://bucket/2026/11/26/15/eks-audit-1-2026-11-26-15-00-00-x";
    private static final Instant T = Instant.parse("2026-11-26T15:00:00.123456Z");

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Untouched bytes, but the cluster of the envelope's log group is known (for per-cluster metrics). */
    private static AuditEvent inProd(AuditEvent e) {
        e.cluster = "prod";
        return e;
    }

    private static ObjectRecord value(long index, long offset, byte[] payload) {
        return ObjectRecord.value(KEY, index, offset, payload);
    }

    private static ObjectRecord envelope(long index, String... messages) {
        return value(index, 100 * index, FirehoseFixtures.dataMessage(FirehoseFixtures.AUDIT_STREAM, List.of(messages), 1));
    }

    @Test
    void dataMessageGivesEachEventWithItsExactBytes() throws Exception {
        String a = FirehoseFixtures.event("a-1", "RequestReceived", T);
        String b = FirehoseFixtures.event("b-2", "ResponseComplete", T.plusMillis(5));
        // Non-ASCII and escapes survive: the event is the message's text, not a re-encoding of it.
        String c = FirehoseFixtures.with(FirehoseFixtures.event("c-3", "Panic", T), "requestURI", "/api/v1/ünïcode\"q\"");

        Decoded d = decode(List.of(envelope(0, a, b, c)));

        assertThat(d.deadLetters()).isEmpty();
        assertThat(d.events()).containsExactly(
                inProd(new AuditEvent("a-1", "RequestReceived", T.toEpochMilli(), KEY, utf8(a))),
                inProd(new AuditEvent("b-2", "ResponseComplete", T.toEpochMilli() + 5, KEY, utf8(b))),
                inProd(new AuditEvent("c-3", "Panic", T.toEpochMilli(), KEY, utf8(c))));
    }

    @Test
    void bareEventIsTakenAsIs() throws Exception {
        String e = FirehoseFixtures.event("a-1", "ResponseStarted", T);
        Decoded d = decode(List.of(value(0, 0, utf8(e))));
        assertThat(d.events()).containsExactly(new AuditEvent("a-1", "ResponseStarted", T.toEpochMilli(), KEY, utf8(e)));
        assertThat(d.deadLetters()).isEmpty();
    }

    @Test
    void controlMessagesAndOtherStreamsAreSkippedQuietly() throws Exception {
        Decoded d = decode(List.of(
                value(0, 0, FirehoseFixtures.controlMessage()),
                value(1, 10, FirehoseFixtures.dataMessage("kube-apiserver-0a1b", List.of("I1126 klog line"), 1)),
                value(2, 20, FirehoseFixtures.dataMessage(FirehoseFixtures.OTHER_STREAM, List.of("level=info"), 1))));
        assertThat(d.events()).isEmpty();
        assertThat(d.deadLetters()).isEmpty();
    }

    @Test
    void failureRecordBecomesADeadLetterWithTheSameFields() throws Exception {
        ObjectRecord failure = ObjectRecord.failure(KEY, 4, 1234, DeadLetterReason.TRUNCATED_GZIP, "member 5 ends early",
                utf8("{\"partial"));
        Decoded d = decode(List.of(failure));
        assertThat(d.events()).isEmpty();
        assertThat(d.deadLetters()).containsExactly(
                new DeadLetter(DeadLetterReason.TRUNCATED_GZIP, KEY, 4, 1234, "member 5 ends early", utf8("{\"partial")));
    }

    @Test
    void recordsThatAreNeitherEnvelopeNorEvent() throws Exception {
        Decoded d = decode(List.of(
                value(0, 0, utf8("{\"hello\":\"world\"}")),
                value(1, 20, utf8("[1,2,3]")),
                value(2, 30, utf8("{\"kind\":\"Event\",\"auditID\":}")),
                value(3, 60, utf8("{\"messageType\":\"SOMETHING_ELSE\",\"logEvents\":[]}"))));
        assertThat(d.events()).isEmpty();
        assertThat(d.deadLetters()).extracting(l -> l.reason, l -> l.index, l -> l.offset).containsExactly(
                org.assertj.core.groups.Tuple.tuple("unknown-record", 0L, 0L),
                org.assertj.core.groups.Tuple.tuple("unknown-record", 1L, 20L),
                org.assertj.core.groups.Tuple.tuple("not-json", 2L, 30L),
                org.assertj.core.groups.Tuple.tuple("unknown-record", 3L, 60L));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "truncated-message",
        "not-audit-event",
        "missing-audit-id",
        "empty-audit-id",
        "bad-stage",
        "missing-stage",
        "bad-stage-timestamp",
        "missing-stage-timestamp",
        "stage-timestamp-without-seconds",
        "oversize",
        "not-json-message"
    })
    void badEventInAnEnvelopeIsADeadLetterAndItsNeighboursPass(String kase) throws Exception {
        String good1 = FirehoseFixtures.event("g-1", "ResponseComplete", T);
        String good2 = FirehoseFixtures.event("g-2", "ResponseComplete", T);
        String base = FirehoseFixtures.event("bad", "ResponseComplete", T);
        String bad;
        String reason;
        switch (kase) {
            case "truncated-message" -> { bad = FirehoseFixtures.truncatedMessage(base); reason = "truncated-message"; }
            case "not-audit-event" -> { bad = FirehoseFixtures.nonEventMessage(); reason = "not-audit-event"; }
            case "missing-audit-id" -> { bad = FirehoseFixtures.without(base, "auditID"); reason = "missing-audit-id"; }
            case "empty-audit-id" -> { bad = FirehoseFixtures.with(base, "auditID", ""); reason = "missing-audit-id"; }
            case "bad-stage" -> { bad = FirehoseFixtures.with(base, "stage", "Done"); reason = "bad-stage"; }
            case "missing-stage" -> { bad = FirehoseFixtures.without(base, "stage"); reason = "bad-stage"; }
            case "bad-stage-timestamp" -> {
                bad = FirehoseFixtures.with(base, "stageTimestamp", "2026-11-26 15:00:00"); reason = "bad-stage-timestamp"; }
            case "missing-stage-timestamp" -> {
                bad = FirehoseFixtures.without(base, "stageTimestamp"); reason = "bad-stage-timestamp"; }
            case "stage-timestamp-without-seconds" -> {
                bad = FirehoseFixtures.with(base, "stageTimestamp", "2026-11-26T15:00Z"); reason = "bad-stage-timestamp"; }
            case "oversize" -> { bad = FirehoseFixtures.oversizeEvent("big", 262_145); reason = "oversize"; }
            case "not-json-message" -> { bad = "I1126 15:00:00.000 klog text"; reason = "not-audit-event"; }
            default -> throw new IllegalArgumentException(kase);
        }

        Decoded d = decode(List.of(envelope(7, good1, bad, good2)));

        assertThat(d.events()).extracting(e -> e.auditId).containsExactly("g-1", "g-2");
        assertThat(d.deadLetters()).hasSize(1);
        DeadLetter letter = d.deadLetters().get(0);
        assertThat(letter.reason).isEqualTo(reason);
        assertThat(letter.objectKey).isEqualTo(KEY);
        assertThat(letter.index).isEqualTo(7);
        assertThat(letter.offset).isEqualTo(700);
        assertThat(letter.detail).startsWith("logEvents[1] id=37192");
        assertThat(letter.payload).isEqualTo(utf8(bad));
    }

    /**
     * Jackson's limit errors (here a bare event with a number of 1,001 digits) carry no location:
     * a dead letter like any invalid JSON, where reading the location threw and failed the job
     * on that object again after every restart.
     */
    @Test
    void jacksonLimitErrorsAreDeadLetters() throws Exception {
        String good = FirehoseFixtures.event("g-1", "ResponseComplete", T);
        String badEvent = good.replace("\"verb\":\"list\"", "\"verb\":\"list\",\"n\":1" + "0".repeat(1000));
        assertThat(badEvent).isNotEqualTo(good);

        Decoded d = decode(List.of(value(0, 0, utf8(badEvent)), value(1, 100, utf8(good))));

        assertThat(d.events()).extracting(e -> e.auditId).containsExactly("g-1");
        assertThat(d.deadLetters()).extracting(l -> l.reason, l -> l.index, l -> l.detail)
                .containsExactly(tuple("not-json", 0L, "invalid JSON (StreamConstraintsException)"));
    }

    @Test
    void oversizeIsMeasuredInUtf8Bytes() throws Exception {
        String atLimit = FirehoseFixtures.oversizeEvent("ok", 1000);
        assertThat(decode(new CloudWatchLogsDecoder("kube-apiserver-audit-", 1000), List.of(value(0, 0, utf8(atLimit))))
                .events()).hasSize(1);
        String multiByte = FirehoseFixtures.with(atLimit, "verb", "é");
        Decoded d = decode(new CloudWatchLogsDecoder("kube-apiserver-audit-", multiByte.length()),
                List.of(value(0, 0, utf8(multiByte))));
        assertThat(d.deadLetters()).extracting(l -> l.reason).containsExactly("oversize");
    }

    @Test
    void deadLetterDetailsNeverQuoteThePayload() throws Exception {
        String secret = "c3VwZXJzZWNyZXQ=";
        String bad = "{\"kind\":\"Event\",\"auditID\":\"x\",\"stage\":\"ResponseComplete\",\"data\":{\"token\":\"" + secret
                + "\"},\"stageTimestamp\":\"" + secret + "\"}";
        String invalid = "{\"kind\":\"Event\",\"token\":\"" + secret + "\" " + secret + "}";
        Decoded d = decode(List.of(envelope(0, bad, invalid), value(1, 0, utf8(invalid))));
        assertThat(d.deadLetters()).hasSize(3).allSatisfy(l -> assertThat(l.detail).doesNotContain(secret));
    }

    @Test
    void countsWhatItSees() throws Exception {
        MetricsCapture capture = new MetricsCapture();
        CloudWatchLogsDecoder decoder = capture.decoder("kube-apiserver-audit-", 262_144);
        try (OneInputStreamOperatorTestHarness<ObjectRecord, AuditEvent> h =
                ProcessFunctionTestHarnesses.forProcessFunction(decoder)) {
            ObjectRecord e1 = envelope(0, FirehoseFixtures.event("a", "Panic", T), "not json");
            ObjectRecord control = value(1, 5, FirehoseFixtures.controlMessage());
            ObjectRecord other = value(2, 9, FirehoseFixtures.dataMessage(FirehoseFixtures.OTHER_STREAM, List.of("x"), 1));
            ObjectRecord nextObject = ObjectRecord.failure("other-key", 0, 0, DeadLetterReason.EMPTY_OBJECT, "empty", null);
            for (ObjectRecord r : List.of(e1, control, other, nextObject)) {
                h.processElement(r, 0L);
            }
            Map<String, Metric> metrics = capture.metrics;
            assertThat(count(metrics, "objectsRead")).isEqualTo(2);
            assertThat(count(metrics, "bytesRead")).isEqualTo(e1.payload.length + control.payload.length + other.payload.length);
            assertThat(count(metrics, "eventsDecoded")).isEqualTo(1);
            assertThat(count(metrics, "controlMessagesSkipped")).isEqualTo(1);
            assertThat(count(metrics, "otherStreamsSkipped")).isEqualTo(1);
            assertThat(count(metrics, "deadLetters.not-audit-event")).isEqualTo(1);
            assertThat(count(metrics, "deadLetters.empty-object")).isEqualTo(1);
            for (DeadLetterReason reason : DeadLetterReason.values()) {
                if (reason.sinkOnly()) {
                    assertThat(metrics).doesNotContainKey("deadLetters." + reason.code());
                } else {
                    assertThat(metrics).containsKey("deadLetters." + reason.code());
                }
            }
            assertThat(metrics).doesNotContainKeys("deadLetters.falco-rejected", "deadLetters.falco-unreachable");
        }
    }

    private static long count(Map<String, Metric> metrics, String name) {
        assertThat(metrics).containsKey(name);
        return ((Counter) metrics.get(name)).getCount();
    }
}
