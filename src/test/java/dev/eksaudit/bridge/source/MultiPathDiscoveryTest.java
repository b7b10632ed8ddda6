package dev.eksaudit.bridge.source;

import static dev.eksaudit.bridge.source.EnumeratorHarness.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several paths of {@code input.path} in one enumerator, on the S3 API (s3proxy in-process,
 * Flink's S3 file system): each path has its own window, late sweep and low-water mark, splits
 * are handed out oldest first across paths, the checkpoint is keyed by the path without its name,
 * and a restore adds, drops and guards paths one by one.
 */
class MultiPathDiscoveryTest {

    static final String CENTRAL = "s3://central/eks/";
    static final String EDGE_BASE = "s3://edge/eks-audit/";
    static final String EDGE = EDGE_BASE + "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/";
    static final String THIRD = "s3://third/eks/";

    InProcessS3 s3;
    MutableClock clock;

    @BeforeEach
    void start() throws Exception {
        s3 = InProcessS3.start("central", "edge", "third");
        clock = new MutableClock(at("2026-11-26T15:20:00Z"));
    }

    @AfterEach
    void stop() throws Exception {
        s3.close();
    }

    @Test
    void eachPathHasItsOwnWindowAndLateSweepAndSplitsComeOldestFirstAcrossPaths() throws Exception {
        String c1 = central(at("2026-11-26T14:05:00Z"));
        String c2 = central(at("2026-11-26T15:10:00Z"));
        String e1 = edge(at("2026-11-26T14:30:00Z"));
        String e2 = edge(at("2026-11-26T15:15:00Z"));
        central(at("2026-11-26T11:10:00Z")); // before both windows (folders 12 on)
        Job job = Job.start(this, Map.of("input.path", CENTRAL + ",edge-1=" + EDGE), null);

        assertThat(job.discoverAndRead()).containsExactly(c1, e1, c2, e2);
        assertThat(job.counter("listRequests")).as("the folders 12 to 15 of each path, nothing more").isEqualTo(8);
        assertThat(job.checkpoint().paths()).as("keyed by the path without its name").containsOnlyKeys(CENTRAL, EDGE);

        // 20:20: Firehose delivers one object into each path's 15:00 folder after 5 h of retries;
        // the late sweep of each path finds its own.
        clock.set(at("2026-11-26T20:20:00Z"));
        String cLate = s3Put(CENTRAL + "2026/11/26/15/" + name(at("2026-11-26T15:25:00Z")));
        String eLate = s3Put(EDGE_BASE + "year=2026/month=11/day=26/hour=15/" + name(at("2026-11-26T15:24:00Z")));
        assertThat(job.discoverAndRead()).containsExactly(eLate, cLate);
        clock.advance(Duration.ofSeconds(10));
        assertThat(job.discoverAndRead()).isEmpty();

        assertThat(job.counter("lateObjects")).isEqualTo(2);
        assertThat(job.counter("path=" + CENTRAL + ".lateObjects")).isEqualTo(1);
        assertThat(job.counter("path=" + EDGE + ".lateObjects")).isEqualTo(1);
        assertThat(job.gauge("trackedObjects")).isEqualTo(6L);
        assertThat(job.gauge("path=" + CENTRAL + ".trackedObjects")).isEqualTo(3L);
        assertThat(job.gauge("path=" + EDGE + ".trackedObjects")).isEqualTo(3L);
        assertThat(job.all()).containsExactly(c1, e1, c2, e2, eLate, cLate);
    }

    @Test
    void aListingThatFailsOnOnePathDoesNotHoldUpTheOther() throws Exception {
        String c1 = central(at("2026-11-26T15:10:00Z"));
        Job job = Job.start(this, Map.of("input.path", CENTRAL + ",s3://missing-bucket/eks/"), null);
        try (LogLines lines = LogLines.of(HourlyWindowEnumerator.class)) {
            assertThat(job.discoverAndRead()).containsExactly(c1);
            assertThat(lines.at(Level.WARN)).hasSize(1).first().asString()
                    .startsWith("Listing s3://missing-bucket/eks/ failed (");
            assertThat(job.counter("listFailures")).isEqualTo(1);
            assertThat(job.counter("path=s3://missing-bucket/eks/.listFailures")).isEqualTo(1);
            assertThat(job.counter("path=" + CENTRAL + ".listFailures")).isZero();
        }
    }

    /** A LIST that keeps failing logs one line a minute, with how many failures it stands for, not one per discovery. */
    @Test
    void aListingThatKeepsFailingLogsOnceAMinute() throws Exception {
        Job job = Job.start(this, Map.of("input.path", CENTRAL + ",s3://missing-bucket/eks/"), null);
        try (LogLines lines = LogLines.of(HourlyWindowEnumerator.class)) {
            for (int i = 0; i < 6; i++) { // 0 s .. 50 s: one minute of discoveries every 10 s
                job.discoverAndRead();
                clock.advance(Duration.ofSeconds(10));
            }
            assertThat(lines.at(Level.WARN)).hasSize(1).first().asString()
                    .startsWith("Listing s3://missing-bucket/eks/ failed (").doesNotContain("more failures");
            job.discoverAndRead(); // 60 s
            assertThat(lines.at(Level.WARN)).hasSize(2).last().asString()
                    .startsWith("Listing s3://missing-bucket/eks/ failed (")
                    .contains("; retrying in 10 s (5 more failures since the last line). No object is skipped");
        }
    }

    @Test
    void aRestoreDropsARemovedPathAddsANewOneFromInputStartAndKeepsARenamedOne() throws Exception {
        String c1 = central(at("2026-11-26T15:05:00Z"));
        String e1 = edge(at("2026-11-26T15:06:00Z"));
        Job first = Job.start(this, Map.of("input.path", CENTRAL + ",edge-1=" + EDGE), null);
        assertThat(first.discoverAndRead()).containsExactly(c1, e1);
        clock.advance(Duration.ofSeconds(10));
        String cAssigned = central(at("2026-11-26T15:20:04Z"));
        String cPending = central(at("2026-11-26T15:20:05Z"));
        first.discover(); // the reader waiting since the last read gets one; the other is pending
        assertThat(first.all()).containsExactly(c1, e1, cAssigned);
        DiscoveryState checkpoint = first.checkpoint();
        assertThat(checkpoint.pendingSplits()).extracting(s -> s.path().toString()).containsExactly(cPending);

        clock.advance(Duration.ofSeconds(10));
        central(at("2026-11-26T15:20:20Z")); // the path is removed: never read
        String e2 = edge(at("2026-11-26T15:20:21Z"));
        s3Put(THIRD + "2026/11/26/14/" + name(at("2026-11-26T14:50:00Z"))); // before input.start
        String t1 = s3Put(THIRD + "2026/11/26/15/" + name(at("2026-11-26T15:01:00Z")));
        Job second;
        List<String> info;
        try (LogLines lines = LogLines.of(FirehoseSource.class)) {
            // edge-1 renamed to edge-eu: the same path, its state continues.
            second = Job.start(this, Map.of("input.path", "edge-eu=" + EDGE + "," + THIRD,
                    "input.start", "2026-11-26T15:00:00Z"), checkpoint);
            info = lines.at(Level.INFO);
        }
        assertThat(info).containsExactly(
                "input.path no longer holds " + CENTRAL + ": its discovery state is dropped (3 object names, "
                        + "1 discovered objects not read)",
                "input.path " + THIRD + " is new since the checkpoint: discovered from input.start "
                        + "2026-11-26T15:00:00Z (folders from 2026-11-26T15:00:00Z on)");
        assertThat(second.discoverAndRead()).containsExactly(t1, e2);
        clock.advance(Duration.ofSeconds(10));
        assertThat(second.discoverAndRead()).isEmpty();
        assertThat(second.checkpoint().paths()).containsOnlyKeys(EDGE, THIRD);
    }

    @Test
    void theGuardIsPerPath() throws Exception {
        Job job = Job.start(this, Map.of("input.path", CENTRAL + ",edge-1=" + EDGE), null);
        job.discoverAndRead();
        DiscoveryState checkpoint = job.checkpoint();
        String otherFolders = EDGE_BASE + "!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/";

        assertThatThrownBy(() -> Job.start(this, Map.of("input.path", CENTRAL + ",edge-1=" + otherFolders), checkpoint))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("input.path: the savepoint was taken reading " + EDGE + ", this job is given "
                        + otherFolders + "; the same location with other folders below it")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> Job.start(this, Map.of("input.path", CENTRAL + "," + EDGE,
                        "input.partition-timezone", "Asia/Kolkata"), checkpoint))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("input.partition-timezone: the savepoint was taken with UTC, this job is given "
                        + "Asia/Kolkata;")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> Job.start(this, Map.of("input.path", THIRD), checkpoint))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.path: the savepoint was taken reading " + CENTRAL + ", " + EDGE + ", this job is "
                        + "given " + THIRD + "; keep input.path " + CENTRAL + ", or start without the savepoint and "
                        + "with input.start=<instant> (e.g. when the old path stopped) to read the new one");
        // The same path with s3a and without its trailing slash, the other one removed: restores.
        Job.start(this, Map.of("input.path", "s3a://central/eks"), checkpoint);
    }

    @Test
    void aVersion1StateWhichRecordedNoPathIsRefusedForSeveralPaths() throws Exception {
        DiscoveryState v1;
        try (InputStream in = getClass().getResourceAsStream("/discovery-state/v1-firehose-hourly.bin")) {
            v1 = new DiscoveryStateSerializer().deserialize(1, in.readAllBytes());
        }
        assertThatThrownBy(() -> Job.start(this, Map.of("input.path", "s3://audit/eks/," + THIRD), v1))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.path: the savepoint is of a version that recorded no path, this job is given 2 "
                        + "paths; restore it with the one input.path it was taken with, then add the others at the "
                        + "next restore");
    }

    /** Bytes written by the version-2 serializer (see src/test/resources/discovery-state/README.md). */
    @Test
    void aCommittedVersion2StateOfTwoPathsReadsBackAndRestoresReadingNothingTwice() throws Exception {
        DiscoveryState v2;
        try (InputStream in = getClass().getResourceAsStream("/discovery-state/v2-two-paths.bin")) {
            v2 = new DiscoveryStateSerializer().deserialize(2, in.readAllBytes());
        }
        String edgeHour15 = EDGE_BASE + "year=2026/month=11/day=26/hour=15/";
        assertThat(v2.paths()).containsOnlyKeys(CENTRAL, EDGE);
        assertThat(v2.paths().get(CENTRAL).seenByFolder()).isEqualTo(Map.of(
                "2026/11/26/14", java.util.Set.of("eks-audit-1-2026-11-26-14-05-00-0f8e8a4c-6a8e-4b8e-9c61-3f1c2d7e9a10"),
                "2026/11/26/15", java.util.Set.of()));
        assertThat(v2.paths().get(EDGE).pattern())
                .isEqualTo("year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/");
        assertThat(v2.paths().get(EDGE).lowWaterMillis()).isEqualTo(at("2026-11-25T14:20:00Z").toEpochMilli());
        assertThat(v2.trackedObjects()).isEqualTo(3);
        assertThat(v2.pendingSplits()).singleElement().satisfies(split -> {
            assertThat(split.path().toString())
                    .isEqualTo(edgeHour15 + "eks-audit-1-2026-11-26-15-07-00-c3d4e5f6-0a1b-4c2d-8e9f-a0b1c2d3e4f5.gz");
            assertThat(split.length()).isEqualTo(555);
            assertThat(split.getReaderPosition()).contains(
                    new org.apache.flink.connector.file.src.util.CheckpointedPosition(-1, 3));
        });

        s3Put(CENTRAL + "2026/11/26/14/eks-audit-1-2026-11-26-14-05-00-0f8e8a4c-6a8e-4b8e-9c61-3f1c2d7e9a10");
        s3Put(edgeHour15 + "eks-audit-1-2026-11-26-15-06-00-5b2d0c1e-7f3a-4c8d-a1e2-9d8c7b6a5f40");
        String pending = s3Put(edgeHour15 + "eks-audit-1-2026-11-26-15-07-00-c3d4e5f6-0a1b-4c2d-8e9f-a0b1c2d3e4f5.gz");
        String fresh = central(at("2026-11-26T15:12:00Z"));
        Job job = Job.start(this, Map.of("input.path", CENTRAL + ",edge-1=" + EDGE), v2);
        assertThat(job.discoverAndRead()).containsExactly(pending, fresh);
    }

    @Test
    void aBoundedReplayCoversEveryPathAndARestoreListsOnlyAPathAddedSince() throws Exception {
        central(at("2026-11-26T13:50:00Z"));
        String c1 = central(at("2026-11-26T14:10:00Z"));
        String c2 = central(at("2026-11-26T15:40:00Z"));
        central(at("2026-11-26T16:05:00Z"));
        edge(at("2026-11-26T13:30:00Z"));
        String e1 = edge(at("2026-11-26T14:20:00Z"));
        String e2 = edge(at("2026-11-26T15:30:00Z"));
        String t1 = s3Put(THIRD + "2026/11/26/14/" + name(at("2026-11-26T14:15:00Z")));
        clock.set(at("2026-11-26T18:00:00Z"));
        Map<String, String> range = Map.of("input.mode", "bounded", "input.start", "2026-11-26T14:00:00Z",
                "input.end", "2026-11-26T16:00:00Z");

        Job replay = Job.start(this, with(range, "input.path", CENTRAL + ",edge-1=" + EDGE), null);
        replay.enumerator.handleSplitRequest(0, null);
        assertThat(replay.all()).containsExactly(c1);
        DiscoveryState checkpoint = replay.checkpoint();
        assertThat(checkpoint.paths()).containsOnlyKeys(CENTRAL, EDGE);
        assertThat(replay.read()).containsExactly(c1, e1, e2, c2);
        assertThat(replay.context.hasNoMoreSplits(0)).isTrue();

        Job restored = Job.start(this, with(range, "input.path", CENTRAL + ",edge-1=" + EDGE + "," + THIRD), checkpoint);
        assertThat(restored.read()).containsExactly(t1, e1, e2, c2);
        assertThat(restored.context.hasNoMoreSplits(0)).isTrue();
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> map = new HashMap<>(base);
        map.put(key, value);
        return map;
    }

    private String central(Instant written) throws IOException {
        return central(s3, written);
    }

    private String edge(Instant written) throws IOException {
        return edge(s3, written);
    }

    private String s3Put(String uri) throws IOException {
        return put(s3, uri);
    }

    /** PUTs an object written at {@code written} into CENTRAL's default yyyy/MM/dd/HH folder; its URI. */
    static String central(InProcessS3 s3, Instant written) throws IOException {
        return put(s3, CENTRAL + HourFolders.name(HourFolders.hourOf(written)) + "/" + name(written));
    }

    /** PUTs an object written at {@code written} into EDGE's Hive-style year=/month=/day=/hour= folder; its URI. */
    static String edge(InProcessS3 s3, Instant written) throws IOException {
        LocalDateTime w = LocalDateTime.ofInstant(written, ZoneOffset.UTC);
        return put(s3, String.format(Locale.ROOT, "%syear=%04d/month=%02d/day=%02d/hour=%02d/%s", EDGE_BASE,
                w.getYear(), w.getMonthValue(), w.getDayOfMonth(), w.getHour(), name(written)));
    }

    /** PUTs an object whose body is its own URI (what PathPerObjectFormat reads back); the URI. */
    static String put(InProcessS3 s3, String uri) throws IOException {
        s3.put(uri, uri.getBytes(StandardCharsets.UTF_8));
        return uri;
    }

    /** A Firehose object name: {@code <stream>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid>}. */
    static String name(Instant written) {
        LocalDateTime w = LocalDateTime.ofInstant(written, ZoneOffset.UTC);
        return String.format(Locale.ROOT, "eks-audit-1-%04d-%02d-%02d-%02d-%02d-%02d-%s", w.getYear(),
                w.getMonthValue(), w.getDayOfMonth(), w.getHour(), w.getMinute(), w.getSecond(), UUID.randomUUID());
    }

    /** An enumerator from configuration with the test's clock and one reader. */
    static final class Job {
        final TestingEnumeratorContext context;
        final SplitEnumerator<FileSourceSplit, DiscoveryState> enumerator;
        private int consumed;

        static Job start(MultiPathDiscoveryTest test, Map<String, String> settings, DiscoveryState restored)
                throws Exception {
            Map<String, String> map = new HashMap<>(settings);
            map.put("falco.dry-run", "true");
            FirehoseSource source = FirehoseSource.builder(BridgeConfig.fromMap(map), new PathPerObjectFormat())
                    .setClock(test.clock)
                    .build();
            TestingEnumeratorContext context = new TestingEnumeratorContext();
            context.registerReader(0);
            SplitEnumerator<FileSourceSplit, DiscoveryState> enumerator = restored == null
                    ? source.createEnumerator(context) : source.restoreEnumerator(context, restored);
            Job job = new Job(enumerator, context);
            enumerator.start();
            return job;
        }

        private Job(SplitEnumerator<FileSourceSplit, DiscoveryState> enumerator, TestingEnumeratorContext context) {
            this.enumerator = enumerator;
            this.context = context;
        }

        void discover() {
            context.runDiscovery();
        }

        List<String> read() {
            int before;
            do {
                before = context.assignedTo(0).size();
                enumerator.handleSplitRequest(0, null);
            } while (context.assignedTo(0).size() > before);
            List<String> keys = new ArrayList<>();
            List<FileSourceSplit> all = context.assignedTo(0);
            for (FileSourceSplit split : all.subList(consumed, all.size())) {
                keys.add(split.path().toString());
            }
            consumed = all.size();
            return keys;
        }

        List<String> discoverAndRead() {
            discover();
            return read();
        }

        List<String> all() {
            List<String> keys = new ArrayList<>();
            context.assignedTo(0).forEach(s -> keys.add(s.path().toString()));
            return keys;
        }

        DiscoveryState checkpoint() throws Exception {
            DiscoveryStateSerializer serializer = new DiscoveryStateSerializer();
            return serializer.deserialize(serializer.getVersion(), serializer.serialize(enumerator.snapshotState(1L)));
        }

        long counter(String name) {
            return ((Counter) context.metrics().get(name)).getCount();
        }

        Object gauge(String name) {
            return ((Gauge<?>) context.metrics().get(name)).getValue();
        }
    }
}
