package dev.eksaudit.bridge.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import dev.eksaudit.bridge.config.InputPaths;
import dev.eksaudit.bridge.decode.DecodeHarness.Decoded;
import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code annotations.cluster_name}: the exact bytes delivered for every layout and every shape of
 * {@code annotations}, names from the path or the log group, an existing name kept, and tagging off.
 */
class ClusterTaggingTest {
    private static final String KEY = "s3://central/eks/2026/11/26/15/eks-audit-1-2026-11-26-15-00-00-x";
    private static final String BASE = "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"a-1\","
            + "\"stage\":\"ResponseComplete\",\"stageTimestamp\":\"2026-11-26T15:00:00.123456Z\"";

    private static String event(String rest) {
        return BASE + rest + "}";
    }

    private static ClusterNames tagging(String format, String paths) {
        return new ClusterNames(true, format, InputPaths.parse("input.path", paths));
    }

    private static final ClusterNames DEFAULT = tagging("{cluster}", "s3://central/eks/");

    /** Decodes one DATA_MESSAGE of {@code logGroup}/{@code owner} holding {@code message}. */
    private static Decoded envelope(ClusterNames names, String logGroup, String owner, String message) throws Exception {
        byte[] envelope = FirehoseFixtures.dataMessage(FirehoseFixtures.AUDIT_STREAM, List.of(message), 1, logGroup, owner);
        return DecodeHarness.decode(new CloudWatchLogsDecoder(DecodeHarness.PREFIX, DecodeHarness.MAX_EVENT_BYTES, names),
                List.of(ObjectRecord.value(KEY, 0, 0, envelope)));
    }

    private static String only(Decoded d) {
        assertThat(d.deadLetters()).isEmpty();
        assertThat(d.events()).hasSize(1);
        return new String(d.events().get(0).falcoJson(), StandardCharsets.UTF_8);
    }

    @Test
    void memberAddedFirstToExistingAnnotations() throws Exception {
        String in = event(",\"annotations\":{\"authorization.k8s.io/decision\":\"allow\"}");
        Decoded d = envelope(DEFAULT, "/aws/eks/prod-eu/cluster", "111122223333", in);
        assertThat(only(d)).isEqualTo(event(
                ",\"annotations\":{\"cluster_name\":\"prod-eu\",\"authorization.k8s.io/decision\":\"allow\"}"));
        assertThat(d.events().get(0).cluster).isEqualTo("prod-eu");
    }

    @Test
    void memberAddedToEmptyAnnotations() throws Exception {
        assertThat(only(envelope(DEFAULT, "/aws/eks/prod-eu/cluster", "1", event(",\"annotations\":{ }"))))
                .isEqualTo(event(",\"annotations\":{\"cluster_name\":\"prod-eu\" }"));
    }

    @Test
    void nullAnnotationsBecomeAnObject() throws Exception {
        assertThat(only(envelope(DEFAULT, "/aws/eks/prod-eu/cluster", "1", event(",\"annotations\":null,\"level\":\"None\""))))
                .isEqualTo(event(",\"annotations\":{\"cluster_name\":\"prod-eu\"},\"level\":\"None\""));
    }

    @Test
    void annotationsObjectAddedBeforeTheClosingBrace() throws Exception {
        // Whitespace and nested objects before the end stay exactly as they were.
        String in = BASE + ",\"objectRef\":{\"resource\":\"pods\",\"annotations\":{\"x\":\"nested\"}}\n }";
        assertThat(only(envelope(DEFAULT, "/aws/eks/prod-eu/cluster", "1", in))).isEqualTo(BASE
                + ",\"objectRef\":{\"resource\":\"pods\",\"annotations\":{\"x\":\"nested\"}}\n ,"
                + "\"annotations\":{\"cluster_name\":\"prod-eu\"}}");
    }

    @Test
    void existingClusterNameIsKeptByteForByte() throws Exception {
        String in = event(",\"annotations\":{\"a\":\"b\",\"cluster_name\":\"set-by-api-server\"}");
        Decoded d = envelope(DEFAULT, "/aws/eks/prod-eu/cluster", "1", in);
        assertThat(only(d)).isEqualTo(in);
        assertThat(d.events().get(0).cluster).as("metrics follow the event's own name").isEqualTo("set-by-api-server");
    }

    @Test
    void accountAndClusterFormat() throws Exception {
        Decoded d = envelope(tagging("{account}/{cluster}", "s3://central/eks/"), "/aws/eks/prod/cluster",
                "444455556666", event(""));
        assertThat(only(d)).isEqualTo(event(",\"annotations\":{\"cluster_name\":\"444455556666/prod\"}"));
        assertThat(d.events().get(0).cluster).isEqualTo("444455556666/prod");
    }

    @Test
    void nameIsJsonEscaped() throws Exception {
        Decoded d = envelope(tagging("{cluster} \"é\\", "s3://central/eks/"), "/aws/eks/prod/cluster", "1", event(""));
        assertThat(only(d)).isEqualTo(event(",\"annotations\":{\"cluster_name\":\"prod \\\"é\\\\\"}"));
        assertThat(ClusterTagger.quote("a\u0001b")).isEqualTo("\"a\\u0001b\"".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void pathNameWinsOverTheLogGroup() throws Exception {
        Decoded d = envelope(tagging("{cluster}", "edge-1=s3://central/eks/"), "/aws/eks/prod/cluster", "1", event(""));
        assertThat(only(d)).isEqualTo(event(",\"annotations\":{\"cluster_name\":\"edge-1\"}"));
    }

    @Test
    void taggingOffLeavesEventsUntouchedButKeepsTheClusterForMetrics() throws Exception {
        String in = event(",\"annotations\":{\"a\":\"b\"}");
        Decoded d = envelope(new ClusterNames(false, "{cluster}", InputPaths.parse("input.path", "s3://central/eks/")),
                "/aws/eks/prod-eu/cluster", "1", in);
        assertThat(only(d)).isEqualTo(in);
        assertThat(d.events().get(0).cluster).isEqualTo("prod-eu");
    }

    @Test
    void noNameMeansUntaggedAndCounted() throws Exception {
        MetricsCapture metrics = new MetricsCapture();
        String bare = event(",\"annotations\":{\"a\":\"b\"}");
        String other = event("");
        byte[] foreign = FirehoseFixtures.dataMessage(FirehoseFixtures.AUDIT_STREAM, List.of(other), 1,
                "/custom/log-group", "1");
        byte[] eks = FirehoseFixtures.dataMessage(FirehoseFixtures.AUDIT_STREAM, List.of(other), 1,
                "/aws/eks/prod/cluster", "1");
        Decoded d = DecodeHarness.decode(metrics.decoder(DecodeHarness.PREFIX, DecodeHarness.MAX_EVENT_BYTES, DEFAULT),
                List.of(ObjectRecord.value(KEY, 0, 0, bare.getBytes(StandardCharsets.UTF_8)),
                        ObjectRecord.value(KEY, 1, 100, foreign),
                        ObjectRecord.value(KEY, 2, 200, eks)));
        assertThat(d.deadLetters()).isEmpty();
        assertThat(d.events().stream().map(e -> new String(e.falcoJson(), StandardCharsets.UTF_8)).collect(Collectors.toList()))
                .containsExactly(bare, other, event(",\"annotations\":{\"cluster_name\":\"prod\"}"));
        assertThat(d.events().stream().map(e -> String.valueOf(e.cluster)).collect(Collectors.toList()))
                .containsExactly("null", "null", "prod");
        assertThat(counts(metrics.metrics)).containsEntry("eventsWithoutCluster", 2L)
                .containsEntry("eventsDecoded", 3L)
                .containsEntry("cluster.prod.eventsDecoded", 1L);
    }

    @Test
    void annotationsThatAreNotAnObjectAreLeftAndCounted() throws Exception {
        MetricsCapture metrics = new MetricsCapture();
        String in = event(",\"annotations\":\"odd\"");
        byte[] envelope = FirehoseFixtures.dataMessage(FirehoseFixtures.AUDIT_STREAM, List.of(in), 1,
                "/aws/eks/prod/cluster", "1");
        Decoded d = DecodeHarness.decode(metrics.decoder(DecodeHarness.PREFIX, DecodeHarness.MAX_EVENT_BYTES, DEFAULT),
                List.of(ObjectRecord.value(KEY, 0, 0, envelope)));
        assertThat(only(d)).isEqualTo(in);
        assertThat(counts(metrics.metrics)).containsEntry("eventsWithoutCluster", 1L);
    }

    @Test
    void anEventTheTagPushesOverTheLimitIsADeadLetterWithItsOriginalBytes() throws Exception {
        String in = event("");
        int limit = in.getBytes(StandardCharsets.UTF_8).length + 10;
        byte[] envelope = FirehoseFixtures.dataMessage(FirehoseFixtures.AUDIT_STREAM, List.of(in), 1,
                "/aws/eks/prod/cluster", "1");
        Decoded d = DecodeHarness.decode(new CloudWatchLogsDecoder(DecodeHarness.PREFIX, limit, DEFAULT),
                List.of(ObjectRecord.value(KEY, 0, 0, envelope)));
        assertThat(d.events()).isEmpty();
        assertThat(d.deadLetters()).hasSize(1);
        assertThat(d.deadLetters().get(0).reason).isEqualTo(DeadLetterReason.OVERSIZE.code());
        assertThat(d.deadLetters().get(0).payload).isEqualTo(in.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Every layout through the real format: (a)-(c) are named by their log group, (d) carries no
     * envelope and is named by its path, or untagged under an unnamed path.
     */
    @ParameterizedTest
    @EnumSource(Layout.class)
    void everyLayoutThroughTheFormat(Layout layout, @TempDir Path dir) throws Exception {
        List<String> events = FirehoseFixtures.events(5);
        String name = FirehoseFixtures.objectKey("", java.time.Instant.parse("2026-11-26T15:02:11Z"), layout)
                .replace('/', '_');
        org.apache.flink.core.fs.Path file = DecodeHarness.write(dir, name,
                FirehoseFixtures.object(layout, events, "/aws/eks/prod-eu/cluster", "111122223333"));

        for (String paths : List.of(dir.toUri().toString(), "lab=" + dir.toUri())) {
            ClusterNames names = tagging("{cluster}", paths);
            Decoded d = DecodeHarness.decode(new CloudWatchLogsDecoder(DecodeHarness.PREFIX, DecodeHarness.MAX_EVENT_BYTES, names),
                    DecodeHarness.records(DecodeHarness.testFormat(), file));
            assertThat(d.deadLetters()).isEmpty();
            String expected = paths.startsWith("lab=") ? "lab" : layout == Layout.EVENTS ? null : "prod-eu";
            List<String> got = d.events().stream().map(e -> new String(e.falcoJson(), StandardCharsets.UTF_8))
                    .collect(Collectors.toList());
            // FirehoseFixtures.event ends with a non-empty annotations object.
            List<String> want = events.stream()
                    .map(e -> expected == null ? e
                            : e.replace("\"annotations\":{", "\"annotations\":{\"cluster_name\":\"" + expected + "\","))
                    .collect(Collectors.toList());
            assertThat(got).as(layout + " under " + paths).containsExactlyElementsOf(want);
        }
    }

    private static Map<String, Long> counts(Map<String, Metric> metrics) {
        return metrics.entrySet().stream().filter(e -> e.getValue() instanceof Counter)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> ((Counter) e.getValue()).getCount()));
    }
}
