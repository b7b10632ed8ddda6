package dev.eksaudit.bridge.falco;

import static dev.eksaudit.bridge.falco.FalcoTestEvents.deadLetters;
import static dev.eksaudit.bridge.falco.FalcoTestEvents.events;
import static dev.eksaudit.bridge.falco.FalcoTestEvents.key;
import static dev.eksaudit.bridge.falco.FalcoTestEvents.keys;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eksaudit.bridge.decode.AuditEvent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The sink in a real (mini) Flink job against the test receiver in its fault modes. */
class FalcoSinkDeliveryTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private static FalcoSinkBuilder sink(URI url) {
        return FalcoSink.builder()
                .setUrls(List.of(url))
                .setMaxBatchEvents(50)
                .setMaxBatchDelay(Duration.ofMillis(100))
                .setRequestTimeout(Duration.ofSeconds(5))
                .setInitialBackoff(Duration.ofMillis(20))
                .setMaxBackoff(Duration.ofMillis(500))
                .setMaxInFlight(2);
    }

    /** Runs the job to its end; a failed job throws and fails the test. */
    private static void run(List<AuditEvent> events, FalcoSink sink) throws Exception {
        StreamExecutionEnvironment env = env();
        env.fromData(events).sinkTo(sink).name("falco");
        env.execute("falco-sink-test");
    }

    /** Parallelism 2, checkpoints every 500 ms, no restarts: a failure fails the test. */
    private static StreamExecutionEnvironment env() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(500);
        return env;
    }

    private static void assertExactlyDelivered(FalcoWebhookReceiver receiver, List<AuditEvent> sent)
            throws InterruptedException {
        receiver.awaitEventCount(sent.size(), DEADLINE);
        // At least once: every sent event arrived; and nothing arrived that was not sent.
        assertThat(Set.copyOf(receiver.eventKeys())).containsExactlyInAnyOrderElementsOf(Set.copyOf(keys(sent)));
        assertThat(receiver.droppedCount()).isZero();
        for (JsonNode e : receiver.events()) {
            assertThat(e.path("annotations").path("pad").asText()).startsWith("x");
        }
    }

    @Test
    void slowReceiverGetsEverything() throws Exception {
        List<AuditEvent> sent = events(1000, 200);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().latency(Duration.ofMillis(150)))) {
            run(sent, sink(receiver.url()).setDeadLetterPath(tmp.toUri().toString()).build());
            assertExactlyDelivered(receiver, sent);
            assertThat(deadLetters(tmp)).isEmpty();
        }
    }

    @Test
    void tenPercentServerErrorsAreRetried() throws Exception {
        List<AuditEvent> sent = events(2000, 100);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().failureRate(0.1).seed(7))) {
            run(sent, sink(receiver.url()).setDeadLetterPath(tmp.toUri().toString()).build());
            assertExactlyDelivered(receiver, sent);
            // 500s were answered before recording anything: no duplicates and more requests than batches.
            assertThat(receiver.eventKeys()).hasSize(sent.size());
            assertThat(receiver.faultCount()).isGreaterThan(0);
            assertThat(receiver.requestCount()).isEqualTo(receiver.batchSizes().size() + receiver.faultCount());
            assertThat(deadLetters(tmp)).isEmpty();
        }
    }

    /**
     * Falco down for 30 s while the job runs: it must neither fail nor stop checkpointing (retries
     * hand their entries back so checkpoints pass), and everything arrives once Falco is back.
     */
    @Test
    void receiverDownThirtySecondsThenBack() throws Exception {
        // Fewer events than the writers' buffers hold: a full buffer backpressures the input, and
        // aligned checkpoint barriers then wait behind it like in any backpressured job.
        List<AuditEvent> sent = events(150, 100);
        FalcoHoldingSource.RELEASE = new java.util.concurrent.CountDownLatch(1);
        FalcoCheckpointCounter.COMPLETED.set(0);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start()) {
            receiver.stop();
            StreamExecutionEnvironment env = env();
            env.addSource(new FalcoHoldingSource(150, 100)).setParallelism(1)
                    .map(new FalcoCheckpointCounter())
                    .sinkTo(sink(receiver.url()).setMaxBackoff(Duration.ofSeconds(2)).build());
            JobClient job = env.executeAsync("falco-outage");
            long start = System.nanoTime();
            int atTenSeconds = -1;
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30)) {
                // Retrying forever must keep the job alive, not fail it.
                assertThat(job.getJobStatus().get()).isIn(JobStatus.CREATED, JobStatus.INITIALIZING, JobStatus.RUNNING);
                if (atTenSeconds < 0 && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(10)) {
                    atTenSeconds = FalcoCheckpointCounter.COMPLETED.get();
                }
                Thread.sleep(200);
            }
            assertThat(receiver.eventKeys()).isEmpty();
            // Checkpoints kept completing during the outage (checkpoint interval 500 ms).
            assertThat(FalcoCheckpointCounter.COMPLETED.get()).isGreaterThan(atTenSeconds + 5);
            receiver.restart();
            receiver.awaitEventCount(sent.size(), DEADLINE);
            FalcoHoldingSource.RELEASE.countDown();
            job.getJobExecutionResult().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            assertExactlyDelivered(receiver, sent);
        }
    }

    @Test
    void bodyTooLargeSplitsBatches() throws Exception {
        List<AuditEvent> sent = events(400, 900);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().bodyLimit(12_000))) {
            run(sent, sink(receiver.url()).setDeadLetterPath(tmp.toUri().toString()).build());
            assertExactlyDelivered(receiver, sent);
            assertThat(receiver.eventKeys()).hasSize(sent.size());
            // Split down to bodies under the limit: every accepted POST held at most 12 events of ~1 KB.
            assertThat(receiver.batchSizes()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(12));
            assertThat(receiver.requestCount()).isGreaterThan(receiver.batchSizes().size());
            assertThat(deadLetters(tmp)).isEmpty();
        }
    }

    @Test
    void connectionResetMidRequestIsRetried() throws Exception {
        List<AuditEvent> sent = events(1000, 2000);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().resetRate(0.2).seed(3))) {
            run(sent, sink(receiver.url()).setDeadLetterPath(tmp.toUri().toString()).build());
            assertExactlyDelivered(receiver, sent);
            assertThat(receiver.faultCount()).isGreaterThan(0);
            assertThat(deadLetters(tmp)).isEmpty();
        }
    }

    @Test
    void httpsWithCaFileIsAccepted() throws Exception {
        List<AuditEvent> sent = events(300, 100);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().https(true))) {
            assertThat(receiver.url().getScheme()).isEqualTo("https");
            run(sent, sink(receiver.url()).setTlsCaFile(receiver.caFile().toString())
                    .setDeadLetterPath(tmp.toUri().toString()).build());
            assertExactlyDelivered(receiver, sent);
            assertThat(deadLetters(tmp)).isEmpty();
        }
    }

    @Test
    void httpsWithInsecureSkipVerifyIsAccepted() throws Exception {
        List<AuditEvent> sent = events(100, 100);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().https(true))) {
            run(sent, sink(receiver.url()).setInsecureSkipVerify(true).setMaxAttempts(2)
                    .setDeadLetterPath(tmp.toUri().toString()).build());
            assertExactlyDelivered(receiver, sent);
            assertThat(deadLetters(tmp)).isEmpty();
        }
    }

    @Test
    void oversizeEventIsDeadLetteredAndTheRestDelivered() throws Exception {
        List<AuditEvent> sent = events(100, 100);
        AuditEvent big = events(101, 20_000).get(100);
        List<AuditEvent> all = new java.util.ArrayList<>(sent);
        all.add(big);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start()) {
            run(all, sink(receiver.url()).setMaxBatchBytes(8192).setDeadLetterPath(tmp.toUri().toString()).build());
            assertExactlyDelivered(receiver, sent);
            List<JsonNode> letters = deadLetters(tmp);
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).path("reason").asText()).isEqualTo("oversize");
            assertThat(key(letters.get(0).path("payload"))).isEqualTo(big.auditId + "/" + big.stage);
            assertThat(letters.get(0).path("objectKey").asText()).isEqualTo(big.objectKey);
        }
    }

    @Test
    void failsOverToTheUrlThatIsUp() throws Exception {
        List<AuditEvent> sent = events(500, 100);
        try (FalcoWebhookReceiver down = FalcoWebhookReceiver.start();
                FalcoWebhookReceiver up = FalcoWebhookReceiver.start()) {
            down.stop();
            run(sent, sink(down.url()).setUrls(List.of(down.url(), up.url())).setMaxAttempts(3)
                    .setDeadLetterPath(tmp.toUri().toString()).build());
            assertExactlyDelivered(up, sent);
            assertThat(deadLetters(tmp)).isEmpty();
        }
    }

    @Test
    void authHeaderFromFileIsSent() throws Exception {
        Path header = tmp.resolve("falco-auth-header");
        Files.writeString(header, "Authorization: Bearer s3cr3t\n");
        List<AuditEvent> sent = events(50, 100);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start()) {
            run(sent, sink(receiver.url()).setAuthHeaderFile(header.toString()).build());
            assertExactlyDelivered(receiver, sent);
            assertThat(receiver.headerValues("Authorization")).isNotEmpty().containsOnly("Bearer s3cr3t");
        }
    }

    @Test
    void dryRunPostsNothing() throws Exception {
        List<AuditEvent> sent = events(200, 100);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start()) {
            run(sent, sink(receiver.url()).setDryRun(true).build());
            assertThat(receiver.requestCount()).isZero();
        }
    }

    private static void assertPayloadsExact(List<JsonNode> letters, List<AuditEvent> sent) throws Exception {
        java.util.Map<String, String> byKey = sent.stream().collect(Collectors.toMap(
                e -> e.auditId + "/" + e.stage, e -> new String(e.json, StandardCharsets.UTF_8)));
        for (JsonNode d : letters) {
            JsonNode payload = d.path("payload");
            assertThat(FalcoTestEvents.JSON.readTree(byKey.get(key(payload)))).isEqualTo(payload);
        }
    }
}
