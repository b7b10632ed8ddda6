package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.decode.FirehoseFixtures;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import dev.eksaudit.bridge.source.InProcessS3;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
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
 * The whole job on real parts: objects PUT through the S3 API into an in-process S3 server, read
 * by flink-s3-fs-hadoop on a MiniCluster, posted to a receiver that behaves like Falco's webhook.
 */
class BridgeJobEndToEndTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = PipelineFixture.miniCluster(METRICS);

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private InProcessS3 s3;
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
        falco.close();
        s3.close();
    }

    @Test
    void deliversEveryEventOnceWhileObjectsArrive(@TempDir Path savepoints) throws Exception {
        PipelineFixture fixture = new PipelineFixture("s3://audit/eks/", recently(), 1)
                .addObjects(8, 20);
        List<String> objects = fixture.keys();
        fixture.put(s3, objects.subList(0, 3));
        // Firehose's error output next to the data: never audit events.
        s3.put("s3://audit/eks/processing-failed/" + FirehoseFixtures.objectKey("", recently(), FirehoseFixtures.Layout.ENVELOPES),
                "{\"not\":\"audit\"}".getBytes());

        JobClient job = startJob(new Configuration());
        fixture.put(s3, objects.subList(3, objects.size()));

        falco.awaitEventCount(fixture.expectedKeys.size(), DEADLINE);
        String savepoint = job.stopWithSavepoint(true, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        assertThat(savepoint).isNotBlank();

        assertThat(falco.eventKeys()).doesNotHaveDuplicates();
        assertThat(falco.eventKeys()).containsExactlyInAnyOrderElementsOf(fixture.expectedKeys);
        assertThat(falco.droppedCount()).isZero();
        assertThat(PipelineFixture.counter(METRICS, job.getJobID(), "objectsRead")).isEqualTo(objects.size());
        assertThat(PipelineFixture.counter(METRICS, job.getJobID(), "duplicatesDropped")).isEqualTo(3L * (objects.size() - 1));
        assertThat(PipelineFixture.counter(METRICS, job.getJobID(), "controlMessagesSkipped")).isPositive();
    }

    @Test
    void restoresFromASavepointWithoutLosingOrRereadingObjects(@TempDir Path savepoints) throws Exception {
        PipelineFixture fixture = new PipelineFixture("s3://audit/eks/", recently(), 2)
                .addObjects(10, 15);
        List<String> objects = fixture.keys();
        List<String> firstHalf = fixture.keysOf(objects.subList(0, 5));
        fixture.put(s3, objects.subList(0, 5));

        JobClient first = startJob(new Configuration());
        falco.awaitEventCount(firstHalf.size(), DEADLINE);
        String savepoint = first.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        assertThat(first.getJobStatus().get()).isEqualTo(JobStatus.FINISHED);
        long readByFirst = PipelineFixture.counter(METRICS, first.getJobID(), "objectsRead");
        assertThat(readByFirst).isEqualTo(5);

        fixture.put(s3, objects.subList(5, objects.size()));
        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        JobClient second = startJob(restore);
        falco.awaitEventCount(fixture.expectedKeys.size(), DEADLINE);
        second.stopWithSavepoint(true, savepoints.toUri().toString(), SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);

        assertThat(falco.eventKeys()).doesNotHaveDuplicates();
        assertThat(falco.eventKeys()).containsExactlyInAnyOrderElementsOf(fixture.expectedKeys);
        // Exactly-once file tracking: the restored job reads only the objects it had not read.
        assertThat(PipelineFixture.counter(METRICS, second.getJobID(), "objectsRead")).isEqualTo(objects.size() - 5);
    }

    /** Inside the default 3 h lookback window, whatever the date. */
    private static Instant recently() {
        return Instant.now().minus(Duration.ofMinutes(100));
    }

    private JobClient startJob(Configuration extra) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(extra);
        env.setParallelism(2);
        env.enableCheckpointing(500);
        BridgeJob.build(env, BridgeConfig.fromArgs(
                "--input.path", "s3://audit/eks/",
                "--input.discovery-interval", "500 ms",
                "--falco.url", falco.url().toString(),
                "--falco.batch.max-delay", "100 ms"));
        JobClient job = env.executeAsync("eks-audit-bridge e2e");
        started.add(job);
        return job;
    }
}
