package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import dev.eksaudit.bridge.source.FaultyS3Proxy;
import dev.eksaudit.bridge.source.InProcessS3;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job reading through {@link FaultyS3Proxy}, which makes one object fail the way S3 does
 * (403 AccessDenied, 503 SlowDown, resets mid-body, 404 NoSuchKey, no ETag) until the test heals
 * it. Every event reaches Falco exactly once, nothing becomes a dead letter except an object that
 * is really gone, the reader's metrics show the wait, and checkpoints complete during it.
 */
class StorageFaultsEndToEndTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = PipelineFixture.miniCluster(METRICS);

    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dlq;

    private InProcessS3 s3;
    private FaultyS3Proxy proxy;
    private FalcoWebhookReceiver falco;
    private final List<JobClient> started = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        s3 = InProcessS3.start("audit");
        falco = FalcoWebhookReceiver.start();
    }

    @AfterEach
    void stop() throws Exception {
        PipelineFixture.cancelRunning(started);
        if (proxy != null) {
            proxy.close();
        }
        falco.close();
        s3.close();
    }

    @Test
    void accessDeniedBlocksTheObjectWhileCheckpointsCompleteAndReadingResumesOnceAllowed() throws Exception {
        PipelineFixture fixture = fixture(6, 20, 1);
        String denied = fixture.keys().get(2);
        FaultyS3Proxy.Fault fault = proxy.deny(denied);

        JobClient job = startJob("bounded");
        awaitBlocked(job);
        // The reader waits on the split fetcher thread, not the task thread: checkpoints go on.
        long checkpointsWhenBlocked = completedCheckpoints(job.getJobID());
        await("two more checkpoints while the object is blocked",
                () -> completedCheckpoints(job.getJobID()) >= checkpointsWhenBlocked + 2);
        // The other subtask reads everything else meanwhile.
        List<String> others = new ArrayList<>(fixture.keys());
        others.remove(denied);
        await("every other object delivered while one is blocked",
                () -> falco.eventKeys().containsAll(fixture.keysOf(others)));
        assertThat(objectsBlocked(job.getJobID())).isEqualTo(1);
        assertThat(fault.answered()).isGreaterThanOrEqualTo(3);

        fault.heal(); // the KMS key policy was fixed
        finish(job);

        assertDeliveredExactlyOnce(fixture.expectedKeys);
        assertThat(deadLetters()).isEmpty();
        assertRetriedAndUnblocked(job.getJobID());
    }

    @Test
    void aJobCancelledWhileAnObjectIsDeniedStopsItsRetries() throws Exception {
        PipelineFixture fixture = fixture(3, 20, 7);
        FaultyS3Proxy.Fault fault = proxy.deny(fixture.keys().get(0)); // never healed

        JobClient job = startJob("continuous");
        awaitBlocked(job);
        job.cancel().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        await("job canceled", () -> job.getJobStatus().join() == JobStatus.CANCELED);
        // Flink closes a split fetcher without interrupting it: one waiting to retry the denied
        // object would go on, against S3, for a job that is gone (and hold the close 30 s).
        await("no split fetcher left (" + fault.answered() + " denied answers)", () -> fetcherThreads().isEmpty());
    }

    private static List<String> fetcherThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("Source Data Fetcher for Source: S3 objects")) {
                names.add(t.getName());
            }
        }
        return names;
    }

    @Test
    void slowDownIsRetriedUntilTheThrottlingEnds() throws Exception {
        PipelineFixture fixture = fixture(5, 20, 2);
        FaultyS3Proxy.Fault fault = proxy.slowDown(fixture.keys().get(1));

        JobClient job = startJob("bounded");
        awaitBlocked(job);
        await("several throttled answers", () -> fault.answered() >= 6);
        fault.heal();
        finish(job);

        assertDeliveredExactlyOnce(fixture.expectedKeys);
        assertThat(deadLetters()).isEmpty();
        assertRetriedAndUnblocked(job.getJobID());
    }

    @Test
    void resetsSpreadOverOneLargeObjectResumeWhereTheyBrokeInsteadOfStartingOver() throws Exception {
        // Object 2 is layout (c), uncompressed envelopes: 1,200 events, well over a megabyte.
        PipelineFixture fixture = fixture(4, 600, 3);
        String large = fixture.keys().get(2);
        long size = fixture.objects.get(large).length;
        assertThat(size).isGreaterThan(1_000_000);
        // Four places in the object, each reset ten times in a row: more than S3A's own retries
        // (fs.s3a.retry.limit 3), so the bridge sees each of them, and far more than the three
        // failures that used to end an object.
        for (int i = 1; i <= 4; i++) {
            proxy.resetAt(large, size * i / 5, 10);
        }

        JobClient job = startJob("bounded");
        finish(job);

        assertDeliveredExactlyOnce(fixture.expectedKeys);
        assertThat(deadLetters()).isEmpty();
        assertThat(proxy.resetCount()).isEqualTo(40);
        List<Long> starts = proxy.getStarts(large);
        assertThat(starts.get(0)).isZero();
        // Every re-open resumed inside the object, none from its start...
        assertThat(starts.subList(1, starts.size())).isNotEmpty().allMatch(s -> s > 0);
        // ...so the object crossed the wire less than twice (bytes in flight when a connection is
        // cut or a ranged GET is dropped), not three times as restarts from zero would send it.
        assertThat(proxy.bodyBytes(large)).as("GETs from %s", starts).isBetween(size, 2 * size);
        assertThat(PipelineFixture.counter(METRICS, job.getJobID(), "storageRetries")).isGreaterThanOrEqualTo(5);
        assertThat(objectsBlocked(job.getJobID())).isZero();
    }

    @Test
    void anObjectGoneForGoodIsOneNotFoundDeadLetterAndTheBoundedJobFinishes() throws Exception {
        PipelineFixture fixture = fixture(4, 20, 4);
        String gone = fixture.keys().get(3); // the last one: no later object repeats its events
        proxy.notFound(gone).alsoOnHead();

        JobClient job = startJob("bounded", "--input.missing-object-timeout", "3 s");
        awaitBlocked(job);
        finish(job);

        TreeSet<String> expected = new TreeSet<>(fixture.expectedKeys);
        fixture.keysOf(List.of(gone)).forEach(expected::remove);
        assertDeliveredExactlyOnce(expected);
        List<JsonNode> letters = deadLetters();
        assertThat(letters).hasSize(1);
        JsonNode letter = letters.get(0);
        assertThat(letter.path("reason").asText()).isEqualTo("unreadable-object");
        assertThat(letter.path("objectKey").asText()).isEqualTo(gone);
        assertThat(letter.path("detail").asText()).startsWith("not found: ").contains("(input.missing-object-timeout 3 s)");
        assertThat(PipelineFixture.counter(METRICS, job.getJobID(), "deadLetters.unreadable-object")).isEqualTo(1);
        assertRetriedAndUnblocked(job.getJobID());
    }

    @Test
    void aNotFoundThatClearsBeforeTheTimeoutIsNoDeadLetter() throws Exception {
        // An eventually consistent S3-compatible store, or a listing that ran ahead of the PUT.
        PipelineFixture fixture = fixture(3, 20, 5);
        FaultyS3Proxy.Fault fault = proxy.notFound(fixture.keys().get(0)).alsoOnHead();

        JobClient job = startJob("bounded", "--input.missing-object-timeout", "10 min");
        awaitBlocked(job);
        fault.heal();
        finish(job);

        assertDeliveredExactlyOnce(fixture.expectedKeys);
        assertThat(deadLetters()).isEmpty();
        assertRetriedAndUnblocked(job.getJobID());
    }

    @Test
    void aStoreWithoutETagsIsReadAndTheBoundedJobFinishes() throws Exception {
        PipelineFixture fixture = fixture(8, 20, 6);
        proxy.stripETags(true);

        JobClient job = startJob("bounded");
        finish(job);

        assertDeliveredExactlyOnce(fixture.expectedKeys);
        assertThat(deadLetters()).isEmpty();
        assertThat(PipelineFixture.counter(METRICS, job.getJobID(), "storageRetries")).isZero();
        assertThat(PipelineFixture.counter(METRICS, job.getJobID(), "objectsRead")).isEqualTo(8);
    }

    @Test
    void aBoundedJobStopsWithoutRestartsWhenADenialOutlastsTheDeniedTimeout() throws Exception {
        PipelineFixture fixture = fixture(3, 20, 7);
        String denied = fixture.keys().get(1);
        proxy.deny(denied); // never fixed
        // Restarts allowed, so only the bridge's decision can keep the job from restarting.
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));

        JobClient job = startJob(restarts, "bounded", "--input.denied-timeout", "2 s");
        Throwable failure = catchThrowable(() -> job.getJobExecutionResult().get(DEADLINE.toSeconds(), TimeUnit.SECONDS));

        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.FAILED);
        assertThat(ExceptionUtils.findThrowable(failure, SuppressRestartsException.class)).isPresent();
        assertThat(ExceptionUtils.stringifyException(failure))
                .contains("Object " + denied + " cannot be read: 403 AccessDenied (AccessDeniedException) for ")
                .contains("(input.denied-timeout 2 s); stopping the job without restarts");
        assertThat(METRICS.findMetrics(job.getJobID(), "numRestarts")).isNotEmpty();
        assertThat(gaugeSum(job.getJobID(), "numRestarts")).isZero();
    }

    /** Objects PUT straight into the server, then the proxy started and Flink's S3 pointed at it. */
    private PipelineFixture fixture(int objects, int requests, long seed) throws Exception {
        PipelineFixture fixture = new PipelineFixture("s3://audit/eks/", Instant.now().minus(Duration.ofMinutes(100)), seed)
                .addObjects(objects, requests);
        fixture.put(s3, fixture.keys());
        proxy = FaultyS3Proxy.start(s3);
        return fixture;
    }

    private JobClient startJob(String mode, String... extra) throws Exception {
        return startJob(new Configuration(), mode, extra);
    }

    private JobClient startJob(Configuration flink, String mode, String... extra) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        env.setParallelism(2);
        env.enableCheckpointing(300);
        List<String> args = new ArrayList<>(List.of(
                "--input.path", "s3://audit/eks/",
                "--input.mode", mode,
                "--input.retry.initial-backoff", "50 ms",
                "--input.retry.max-backoff", "300 ms",
                "--dlq.path", dlq.toUri().toString(),
                "--falco.url", falco.url().toString(),
                "--falco.batch.max-delay", "100 ms"));
        args.addAll(List.of(extra));
        BridgeJob.build(env, BridgeConfig.fromArgs(args.toArray(new String[0])));
        JobClient job = env.executeAsync("storage faults");
        started.add(job);
        return job;
    }

    private void finish(JobClient job) throws Exception {
        job.getJobExecutionResult().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.FINISHED);
    }

    private void awaitBlocked(JobClient job) throws InterruptedException {
        await("objectsBlocked 1 and storageRetries > 0 (" + proxy + ")",
                () -> objectsBlocked(job.getJobID()) == 1
                        && PipelineFixture.counter(METRICS, job.getJobID(), "storageRetries") > 0);
    }

    private void assertRetriedAndUnblocked(JobID job) {
        assertThat(PipelineFixture.counter(METRICS, job, "storageRetries")).isPositive();
        assertThat(objectsBlocked(job)).isZero();
    }

    private void assertDeliveredExactlyOnce(java.util.Collection<String> expected) {
        assertThat(falco.eventKeys()).doesNotHaveDuplicates();
        assertThat(falco.eventKeys()).containsExactlyInAnyOrderElementsOf(expected);
    }

    private static long objectsBlocked(JobID job) {
        return gaugeSum(job, "objectsBlocked");
    }

    private static long completedCheckpoints(JobID job) {
        return gaugeSum(job, "numberOfCompletedCheckpoints");
    }

    private static long gaugeSum(JobID job, String name) {
        return PipelineFixture.gauge(METRICS, job, name);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        PipelineFixture.await(what, DEADLINE, condition);
    }

    private List<JsonNode> deadLetters() throws Exception {
        List<JsonNode> letters = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dlq)) {
            for (Path file : files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith(".")).toList()) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        letters.add(JSON.readTree(line));
                    }
                }
            }
        }
        return letters;
    }
}
