package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.decode.AuditEvent;
import dev.eksaudit.bridge.falco.FalcoSink;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.CheckpointStatsCounts;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Falco down for five checkpoint timeouts while input keeps coming (issue 11: a 150 s outage
 * under load failed the job over and 9 % of all events reached Falco twice). Checkpoints every
 * 1 s, timeout 3 s, outage 15 s, a steady source, keyBy like the job's dedup step, the real sink
 * and the contract receiver.
 *
 * <p>What Flink 1.20 does: the sink's buffer fills, {@code write()} waits for room, the source
 * backs off, and no checkpoint barrier passes the waiting sink, aligned or unaligned; checkpoints
 * expire. With the job's default ({@link JobEnvironment#ensureCheckpointFailureTolerance}) that is
 * no failure: nothing restarts, and everything arrives exactly once when Falco is back.
 */
@Timeout(180)
class FalcoOutageUnderLoadTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = PipelineFixture.miniCluster();

    private static final int EVENTS = 4000;
    private static final Duration OUTAGE = Duration.ofSeconds(15);
    /** By then the buffers and the network between source and sink are full (~2,000 events). */
    private static final Duration FILLED = Duration.ofSeconds(6);
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    /** Default configuration, aligned checkpoints: no restart, no loss, no repeat. */
    @Test
    void alignedCheckpointsExpireButNothingRestartsOrRepeats(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Outcome o = runOutage(cluster, new Configuration());
        assertThat(o.tolerable).as("the job's default").isEqualTo(Integer.MAX_VALUE);
        assertNoRestartNoLossNoRepeat(o);
    }

    /**
     * Issue 11's claim: unaligned checkpoints cannot help while {@code write()} waits. Confirmed:
     * the unaligned barrier overtakes the buffered records, but the sink task handles it in a mail
     * of the task's own priority (-1) that the writer's {@code yield()} (operator priority) never
     * runs, so not one checkpoint completes while the buffer is full.
     */
    @Test
    void unalignedCheckpointsDoNotPassAWaitingSinkEither(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
        Outcome o = runOutage(cluster, conf);
        assertThat(o.unaligned).isTrue();
        assertNoRestartNoLossNoRepeat(o);
    }

    /**
     * Falco slow rather than down: every POST answered after 1.5 s, longer than the checkpoint
     * timeout (1 s here), and a checkpoint waits for the POSTs in flight, so checkpoints expire
     * while the backlog drains. Still no restart and no repeat.
     */
    @Test
    void slowFalcoUnderLoadNeitherRestartsNorRepeats(@InjectMiniCluster MiniCluster cluster) throws Exception {
        SteadySource.EMITTED.set(0);
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofSeconds(1));
        try (FalcoWebhookReceiver falco = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().latency(Duration.ofMillis(1500)))) {
            int events = 1500;
            JobClient job = submit(conf, falco, events);
            job.getJobExecutionResult().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            AccessExecutionGraph graph = cluster.getExecutionGraph(job.getJobID()).get();
            CheckpointStatsCounts counts = graph.getCheckpointStatsSnapshot().getCounts();
            System.out.printf("Slow Falco: %d checkpoints completed, %d failed, %d events delivered%n",
                    counts.getNumberOfCompletedCheckpoints(), counts.getNumberOfFailedCheckpoints(), falco.eventKeys().size());
            assertThat(counts.getNumberOfFailedCheckpoints()).as("checkpoints expired behind slow POSTs")
                    .isGreaterThanOrEqualTo(2);
            assertThat(graph.getStatusTimestamp(JobStatus.RESTARTING)).as("restarted at").isZero();
            assertThat(falco.eventKeys()).containsExactlyInAnyOrderElementsOf(keys(events));
        }
    }

    /** A tolerance the Flink configuration sets is left alone. */
    @Test
    void aConfiguredToleranceWins() {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 3);
        StreamExecutionEnvironment configured = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        JobEnvironment.ensureCheckpointFailureTolerance(configured);
        assertThat(configured.getCheckpointConfig().getTolerableCheckpointFailureNumber()).isEqualTo(3);
        StreamExecutionEnvironment unset = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        JobEnvironment.ensureCheckpointFailureTolerance(unset);
        assertThat(unset.getCheckpointConfig().getTolerableCheckpointFailureNumber()).isEqualTo(Integer.MAX_VALUE);
    }

    /** The user's setting (no expired checkpoint tolerated) reproduces the failover. */
    @Test
    void withoutToleranceTheOutageFailsTheJobOver(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 0);
        Outcome o = runOutage(cluster, conf);
        assertThat(o.tolerable).isZero();
        assertThat(o.restarted).as("failed over").isTrue();
        // Nothing is lost either way; the repeats are what the default prevents.
        assertThat(o.delivered).containsAll(o.sent);
    }

    private static void assertNoRestartNoLossNoRepeat(Outcome o) {
        assertThat(o.restarted).as("restarted").isFalse();
        assertThat(o.maxAttempt).as("attempt number of every subtask").isZero();
        // Exact multiset: every event once, nothing else.
        assertThat(o.delivered).containsExactlyInAnyOrderElementsOf(o.sent);
        // The source stopped reading while Falco was down: no event left it in the outage's second half.
        assertThat(o.emittedAtOutageEnd).isEqualTo(o.emittedWhenFilled).isLessThan(EVENTS);
        // Checkpoints expired during the outage (it spanned several timeouts) and none completed
        // while the sink waited; they complete again once Falco is back.
        assertThat(o.failedWhileFull).as("checkpoints expired while the sink waited").isGreaterThanOrEqualTo(2);
        assertThat(o.completedWhileFull).as("checkpoints completed while the sink waited").isZero();
        assertThat(o.completedAfter).isGreaterThan(0);
    }

    private static Outcome runOutage(MiniCluster cluster, Configuration extra) throws Exception {
        SteadySource.EMITTED.set(0);
        try (FalcoWebhookReceiver falco = FalcoWebhookReceiver.start()) {
            JobClient job = submit(extra, falco, EVENTS);
            falco.awaitEventCount(300, DEADLINE);
            falco.stop();
            long down = System.nanoTime();
            awaitElapsed(down, FILLED);
            CheckpointStatsCounts filled = counts(cluster, job);
            int emittedWhenFilled = SteadySource.EMITTED.get();
            awaitElapsed(down, OUTAGE);
            CheckpointStatsCounts end = counts(cluster, job);
            int emittedAtOutageEnd = SteadySource.EMITTED.get();
            falco.restart();

            job.getJobExecutionResult().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            AccessExecutionGraph graph = cluster.getExecutionGraph(job.getJobID()).get();
            Outcome o = new Outcome();
            o.sent = keys(EVENTS);
            o.delivered = falco.eventKeys();
            o.emittedWhenFilled = emittedWhenFilled;
            o.emittedAtOutageEnd = emittedAtOutageEnd;
            o.completedWhileFull = end.getNumberOfCompletedCheckpoints() - filled.getNumberOfCompletedCheckpoints();
            o.failedWhileFull = end.getNumberOfFailedCheckpoints() - filled.getNumberOfFailedCheckpoints();
            o.completedAfter = graph.getCheckpointStatsSnapshot().getCounts().getNumberOfCompletedCheckpoints()
                    - end.getNumberOfCompletedCheckpoints();
            o.restarted = graph.getStatusTimestamp(JobStatus.RESTARTING) > 0;
            for (AccessExecutionVertex v : graph.getAllExecutionVertices()) {
                o.maxAttempt = Math.max(o.maxAttempt, v.getCurrentExecutionAttempt().getAttemptNumber());
            }
            o.tolerable = graph.getCheckpointCoordinatorConfiguration().getTolerableCheckpointFailureNumber();
            o.unaligned = graph.getCheckpointCoordinatorConfiguration().isUnalignedCheckpointsEnabled();
            System.out.println("Falco down " + OUTAGE.toSeconds() + " s under load: " + o);
            return o;
        }
    }

    /** Checkpoints every 1 s, timeout 3 s, the job's defaults, then {@code extra}; restarts allowed. */
    private static JobClient submit(Configuration extra, FalcoWebhookReceiver falco, int events) throws Exception {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(1));
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofSeconds(3));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        conf.addAll(extra);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        JobEnvironment.ensureCheckpointing(env);
        JobEnvironment.ensureCheckpointFailureTolerance(env);
        env.addSource(new SteadySource(events, 400)).setParallelism(1)
                .keyBy(e -> e.auditId)
                .map(e -> e)
                .sinkTo(FalcoSink.builder()
                        .setUrls(List.of(falco.url()))
                        .setMaxBatchEvents(50)
                        .setMaxInFlight(2)
                        .setMaxBatchDelay(Duration.ofMillis(100))
                        // Above the slow receiver's 1.5 s: a timed-out POST would be posted again.
                        .setRequestTimeout(Duration.ofSeconds(5))
                        .setInitialBackoff(Duration.ofMillis(20))
                        .setMaxBackoff(Duration.ofMillis(500))
                        .build());
        return env.executeAsync("falco-outage-under-load");
    }

    /** The outage lasts a set time: this waits for the clock, not for a condition. */
    private static void awaitElapsed(long since, Duration d) throws InterruptedException {
        long until = since + d.toNanos();
        for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }

    private static CheckpointStatsCounts counts(MiniCluster cluster, JobClient job) throws Exception {
        return cluster.getExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot().getCounts();
    }

    private static final class Outcome {
        List<String> sent;
        List<String> delivered;
        int emittedWhenFilled;
        int emittedAtOutageEnd;
        long completedWhileFull;
        long failedWhileFull;
        long completedAfter;
        boolean restarted;
        int maxAttempt;
        int tolerable;
        boolean unaligned;

        @Override
        public String toString() {
            long repeats = delivered.size() - delivered.stream().distinct().count();
            return "delivered " + delivered.size() + " of " + sent.size() + " (" + repeats + " repeats), restarted "
                    + restarted + ", source emitted " + emittedWhenFilled + " by " + FILLED.toSeconds()
                    + " s into the outage and " + emittedAtOutageEnd + " at its end, checkpoints while full: "
                    + completedWhileFull + " completed / " + failedWhileFull + " failed, completed after: "
                    + completedAfter + ", unaligned " + unaligned + ", tolerable " + tolerable;
        }
    }

    static String auditId(int i) {
        return new UUID(0x0a7a6eL, i).toString();
    }

    static List<String> keys(int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(auditId(i) + "/ResponseComplete");
        }
        return out;
    }

    /**
     * Emits {@code total} distinct ~1 KB events at {@code perSecond}, its position checkpointed
     * (a restart replays from the last checkpoint, as the job's S3 source does).
     */
    @SuppressWarnings("deprecation")
    static final class SteadySource implements TestSourceFunction<AuditEvent>, CheckpointedFunction {
        private static final long serialVersionUID = 1L;

        /** Events handed to Flink by the current attempt; the test's view of backpressure. */
        static final AtomicInteger EMITTED = new AtomicInteger();

        private final int total;
        private final int perSecond;
        private transient ListState<Integer> positionState;
        private volatile int position;
        private volatile boolean running = true;

        SteadySource(int total, int perSecond) {
            this.total = total;
            this.perSecond = perSecond;
        }

        @Override
        public void run(SourceContext<AuditEvent> ctx) throws Exception {
            String pad = "x".repeat(900);
            long start = System.nanoTime();
            int emittedHere = 0;
            while (running && position < total) {
                long due = start + TimeUnit.SECONDS.toNanos(emittedHere) / perSecond;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                synchronized (ctx.getCheckpointLock()) {
                    int i = position;
                    String id = auditId(i);
                    String json = "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\","
                            + "\"auditID\":\"" + id + "\",\"stage\":\"ResponseComplete\",\"verb\":\"get\","
                            + "\"requestURI\":\"/api/v1/pods\",\"stageTimestamp\":\"2026-11-26T10:00:00.123456Z\","
                            + "\"annotations\":{\"pad\":\"" + pad + "\"}}";
                    ctx.collect(new AuditEvent(id, "ResponseComplete", 1_795_000_000_000L + i, "outage/object-" + i / 100,
                            json.getBytes(StandardCharsets.UTF_8)));
                    position = i + 1;
                }
                emittedHere++;
                EMITTED.incrementAndGet();
            }
        }

        @Override
        public void cancel() {
            running = false;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            positionState.update(List.of(position));
        }

        @Override
        public void initializeState(FunctionInitializationContext context) throws Exception {
            positionState = context.getOperatorStateStore().getListState(
                    new ListStateDescriptor<>("position", Integer.class));
            for (Integer p : positionState.get()) {
                position = p;
            }
        }
    }
}
