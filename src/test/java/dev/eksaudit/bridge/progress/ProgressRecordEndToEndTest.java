package dev.eksaudit.bridge.progress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.BridgeJob;
import dev.eksaudit.bridge.PipelineFixture;
import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import dev.eksaudit.bridge.source.FaultyS3Proxy;
import dev.eksaudit.bridge.source.InProcessS3;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job stopped with a savepoint while one object is still being read (S3 throttles it) and the
 * events of two others wait in the sink (Falco is down), then a new job (no savepoint restored)
 * started from the first one's progress record: together they deliver every event exactly once,
 * and the second reads exactly the objects the first had not finished delivering, plus the new
 * ones. What a move between Flink major versions does, here on one version.
 */
class ProgressRecordEndToEndTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = PipelineFixture.miniCluster(METRICS);

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private InProcessS3 s3;
    private FaultyS3Proxy proxy;
    private FalcoWebhookReceiver falco;
    private final List<JobClient> started = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        s3 = InProcessS3.start("audit");
        proxy = FaultyS3Proxy.start(s3);
        falco = FalcoWebhookReceiver.start();
    }

    @AfterEach
    void stop() throws Exception {
        PipelineFixture.cancelRunning(started);
        proxy.close();
        falco.close();
        s3.close();
    }

    @Test
    void aJobStartedFromTheRecordReadsExactlyWhatTheStoppedJobHadNotDelivered() throws Exception {
        // Two log groups: no object repeats events of the one before, so every delivery is counted.
        PipelineFixture fixture = new PipelineFixture("s3://audit/eks/", Instant.now().minus(Duration.ofMinutes(100)), 11)
                .logGroups("/aws/eks/prod-a/cluster", "/aws/eks/prod-b/cluster")
                .addObjects(10, 10);
        List<String> objects = fixture.keys();
        Path progressA = dir.resolve("progress-a");

        fixture.put(s3, objects.subList(0, 4));
        // No periodic checkpoint in this test's minutes: the only record is the savepoint's.
        JobClient first = startJob(3_600_000L, "--input.progress-path", progressA.toUri().toString());
        falco.awaitEventCount(fixture.keysOf(objects.subList(0, 4)).size(), DEADLINE);

        String reading = objects.get(4);
        FaultyS3Proxy.Fault throttled = proxy.slowDown(reading);
        falco.stop();
        fixture.put(s3, objects.subList(4, 7));
        await("object 4 throttled in one reader, objects 5 and 6 read by the other",
                () -> gauge(first.getJobID(), "objectsBlocked") == 1
                        && counter(first.getJobID(), "objectsRead") == 6);
        // (Their events are in the sink now or reach it before the savepoint's barrier does.)
        first.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        assertThat(first.getJobStatus().get()).isEqualTo(JobStatus.FINISHED);
        assertThat(falco.eventKeys()).containsExactlyInAnyOrderElementsOf(fixture.keysOf(objects.subList(0, 4)));

        // The savepoint's record: seven objects discovered, object 4 to read again (its reader had
        // not finished it), objects 5 and 6 too: named by the sink parts (their events were not
        // delivered), or, had a reader still been on one of them at the barrier, by the record.
        ProgressFiles files = new ProgressFiles(new org.apache.flink.core.fs.Path(progressA.toUri()));
        assertThat(files.newestRecord()).hasValue(1L);
        ProgressRecord record = ProgressRecord.fromJson(ProgressFiles.read(files.record(1)));
        assertThat(record.state().trackedKeys()).hasSize(7);
        assertThat(paths(record.state().pendingSplits())).contains(reading).isSubsetOf(objects.subList(4, 7));
        ProgressRecord merged = ProgressStart.load(progressA.toUri().toString());
        assertThat(paths(merged.state().pendingSplits())).containsExactlyInAnyOrderElementsOf(objects.subList(4, 7));

        throttled.heal();
        falco.restart();
        fixture.put(s3, objects.subList(7, 10));
        JobClient second = startJob(500L, "--input.start-from", progressA.toUri().toString(),
                "--input.progress-path", dir.resolve("progress-b").toUri().toString());
        falco.awaitEventCount(fixture.expectedKeys.size(), DEADLINE);
        second.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);

        assertThat(falco.eventKeys()).doesNotHaveDuplicates();
        assertThat(falco.eventKeys()).containsExactlyInAnyOrderElementsOf(fixture.expectedKeys);
        // Objects 0-3 were done: not read again. 4, 5 and 6 again, 7-9 new.
        assertThat(counter(second.getJobID(), "objectsRead")).isEqualTo(6);
    }

    private JobClient startJob(long checkpointInterval, String... extra) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(2);
        env.enableCheckpointing(checkpointInterval);
        List<String> args = new ArrayList<>(List.of(
                "--input.path", "s3://audit/eks/",
                "--input.discovery-interval", "200 ms",
                "--input.retry.initial-backoff", "50 ms",
                "--input.retry.max-backoff", "300 ms",
                "--falco.url", falco.url().toString(),
                "--falco.batch.max-delay", "100 ms",
                "--falco.request-timeout", "2 s",
                "--falco.retry.initial-backoff", "100 ms",
                "--falco.retry.max-backoff", "500 ms"));
        args.addAll(List.of(extra));
        BridgeJob.build(env, BridgeConfig.fromArgs(args.toArray(new String[0])));
        JobClient job = env.executeAsync("progress record");
        started.add(job);
        return job;
    }

    private static Set<String> paths(List<FileSourceSplit> splits) {
        Set<String> paths = new TreeSet<>();
        splits.forEach(s -> paths.add(s.path().toString()));
        return paths;
    }

    private static long counter(JobID job, String name) {
        return PipelineFixture.counter(METRICS, job, name);
    }

    private static long gauge(JobID job, String name) {
        return PipelineFixture.gauge(METRICS, job, name);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        PipelineFixture.await(what, DEADLINE, condition);
    }
}
