package dev.eksaudit.bridge.source;

import static dev.eksaudit.bridge.source.EnumeratorHarness.at;
import static dev.eksaudit.bridge.source.MultiPathDiscoveryTest.CENTRAL;
import static dev.eksaudit.bridge.source.MultiPathDiscoveryTest.EDGE;
import static dev.eksaudit.bridge.source.MultiPathDiscoveryTest.EDGE_BASE;
import static dev.eksaudit.bridge.source.MultiPathDiscoveryTest.THIRD;
import static dev.eksaudit.bridge.source.MultiPathDiscoveryTest.name;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.PipelineFixture;
import dev.eksaudit.bridge.config.BridgeConfig;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two paths of {@code input.path} (one unnamed in the default folders, one named with a Hive-style
 * prefix) in one continuous job on a MiniCluster, objects on S3 (s3proxy in-process): every object
 * of both paths is read once, late objects on both are found, and across a savepoint one path is
 * removed, the named one renamed and a third one added.
 */
class MultiPathJobTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = PipelineFixture.miniCluster();

    static final Duration DEADLINE = Duration.ofSeconds(60);
    /** What the job read, in order; the job runs in this JVM. */
    static final Queue<String> READ = new ConcurrentLinkedQueue<>();

    @TempDir java.nio.file.Path savepoints;
    InProcessS3 s3;
    /** The job's time: the source's copy on the JobManager is this clock. */
    MutableClock clock;
    final List<JobClient> started = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        s3 = InProcessS3.start("central", "edge", "third");
        READ.clear();
        clock = new MutableClock(at("2026-11-26T15:20:00Z"));
    }

    @AfterEach
    void stop() throws Exception {
        PipelineFixture.cancelRunning(started);
        s3.close();
    }

    @Test
    void twoPathsAreReadOnceLateObjectsIncludedAndASavepointRestoreDropsAddsAndRenamesPaths() throws Exception {
        String c1 = central(at("2026-11-26T14:05:00Z"));
        String c2 = central(at("2026-11-26T15:10:00Z"));
        String e1 = edge(at("2026-11-26T14:30:00Z"));
        String e2 = edge(at("2026-11-26T15:15:00Z"));
        JobClient first = startJob(Map.of("input.path", CENTRAL + ",edge-1=" + EDGE), null);
        awaitRead(4);
        assertThat(READ).containsExactlyInAnyOrder(c1, c2, e1, e2);

        // 20:20: both paths get an object in their 15:00 folder, long out of the lookback window.
        clock.set(at("2026-11-26T20:20:00Z"));
        String cLate = s3Put(CENTRAL + "2026/11/26/15/" + name(at("2026-11-26T15:25:00Z")));
        String eLate = s3Put(EDGE_BASE + "year=2026/month=11/day=26/hour=15/" + name(at("2026-11-26T15:24:00Z")));
        clock.set(at("2026-11-26T20:26:00Z")); // the next late sweep is due
        awaitRead(6);
        assertThat(READ).containsExactlyInAnyOrder(c1, c2, e1, e2, cLate, eLate);

        String savepoint = first.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        READ.clear();

        central(at("2026-11-26T20:25:00Z")); // its path is removed: never read
        String e3 = edge(at("2026-11-26T20:25:30Z"));
        s3Put(THIRD + "2026/11/26/14/" + name(at("2026-11-26T14:50:00Z"))); // before input.start
        String t1 = s3Put(THIRD + "2026/11/26/16/" + name(at("2026-11-26T16:10:00Z")));
        try (LogLines lines = LogLines.of(FirehoseSource.class)) {
            // edge-1 is renamed edge-eu: the same path (the state key has no name), so its objects
            // are not read again.
            startJob(Map.of("input.path", "edge-eu=" + EDGE + "," + THIRD, "input.start", "2026-11-26T15:00:00Z"),
                    savepoint);
            awaitRead(2);
            assertThat(lines.at(Level.INFO)).containsExactly(
                    "input.path no longer holds " + CENTRAL + ": its discovery state is dropped (3 object names, "
                            + "0 discovered objects not read)",
                    "input.path " + THIRD + " is new since the checkpoint: discovered from input.start "
                            + "2026-11-26T15:00:00Z (folders from 2026-11-26T15:00:00Z on)");
        }
        // A last object after all others: anything read twice would have come before it (one reader).
        String sentinel = edge(at("2026-11-26T20:26:00Z"));
        awaitRead(3);
        assertThat(READ).containsExactlyInAnyOrder(t1, e3, sentinel);
    }

    private JobClient startJob(Map<String, String> settings, String savepoint) throws Exception {
        Configuration conf = new Configuration();
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        Map<String, String> map = new HashMap<>(settings);
        map.put("input.discovery-interval", "100 ms");
        map.put("falco.dry-run", "true");
        FirehoseSource source = FirehoseSource.builder(BridgeConfig.fromMap(map), new PathPerObjectFormat())
                .setClock(clock)
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "firehose")
                .map(r -> {
                    READ.add(r.objectKey);
                    return r.objectKey;
                })
                .returns(Types.STRING)
                .sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync("multi-path");
        started.add(job);
        return job;
    }

    private static void awaitRead(int n) throws InterruptedException {
        waitUntil(() -> READ.size() >= n);
        assertThat(READ).hasSize(n);
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(DEADLINE);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("condition within %s; read so far %s", DEADLINE, READ).isBefore(deadline);
            Thread.sleep(20);
        }
    }

    private String central(Instant written) throws IOException {
        return MultiPathDiscoveryTest.central(s3, written);
    }

    private String edge(Instant written) throws IOException {
        return MultiPathDiscoveryTest.edge(s3, written);
    }

    private String s3Put(String uri) throws IOException {
        return MultiPathDiscoveryTest.put(s3, uri);
    }
}
