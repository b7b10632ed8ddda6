package dev.eksaudit.bridge.falco;

import static dev.eksaudit.bridge.falco.FalcoTestEvents.deadLetters;
import static dev.eksaudit.bridge.falco.FalcoTestEvents.events;
import static dev.eksaudit.bridge.falco.FalcoTestEvents.key;
import static dev.eksaudit.bridge.falco.FalcoTestEvents.keys;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eksaudit.bridge.decode.AuditEvent;
import dev.eksaudit.bridge.source.InProcessS3;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each class of Falco-side fault, end to end: a real (mini) Flink job, the sink, and the contract
 * receiver playing the proxy or WAF in front of Falco. What must hold for every class: an answer
 * that says the endpoint is wrong never becomes a dead letter and loses nothing; a rejected event
 * never takes another with it; a proxy that rejects everything costs at most the bound.
 */
class FalcoSinkFaultsTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
            .build());

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final int PARALLELISM = 2;

    @TempDir
    java.nio.file.Path tmp;

    private FalcoSinkBuilder sink(URI url) {
        return FalcoSink.builder()
                .setUrls(List.of(url))
                .setMaxBatchEvents(50)
                .setMaxBatchDelay(Duration.ofMillis(100))
                .setRequestTimeout(Duration.ofSeconds(5))
                .setInitialBackoff(Duration.ofMillis(20))
                .setMaxBackoff(Duration.ofMillis(300))
                .setMaxInFlight(2)
                .setDeadLetterPath(tmp.toUri().toString());
    }

    private static JobClient start(List<AuditEvent> events, FalcoSink sink) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        env.enableCheckpointing(500);
        env.fromData(events).sinkTo(sink).name("falco");
        return env.executeAsync("falco-faults");
    }

    private static void finish(JobClient job) throws Exception {
        job.getJobExecutionResult().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }

    /** Sum over the job's subtasks of a sink metric (a counter, or a gauge such as endpointFailing). */
    private static long metric(JobID job, String name) {
        long sum = 0;
        for (java.util.Map.Entry<String, Metric> e : METRICS.findMetrics(job, name).entrySet()) {
            if (!e.getKey().endsWith("." + name)) {
                continue;
            }
            Metric m = e.getValue();
            sum += m instanceof Counter ? ((Counter) m).getCount() : ((Number) ((Gauge<?>) m).getValue()).longValue();
        }
        return sum;
    }

    private static void awaitMetric(JobID job, String name, LongPredicate condition) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.test(metric(job, name))) {
            if (System.nanoTime() > end) {
                throw new AssertionError(name + " did not reach the expected value within " + DEADLINE + ": "
                        + metric(job, name));
            }
            Thread.sleep(50);
        }
    }

    private static void awaitDeadLetters(java.nio.file.Path dlq, int n) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (deadLetters(dlq).size() < n) {
            if (System.nanoTime() > end) {
                throw new AssertionError("expected " + n + " dead letters, got " + deadLetters(dlq).size());
            }
            Thread.sleep(50);
        }
    }

    /** Every event exactly once, nothing else. */
    private static void assertDeliveredOnce(FalcoWebhookReceiver receiver, List<AuditEvent> expected)
            throws InterruptedException {
        receiver.awaitEventCount(expected.size(), DEADLINE);
        assertThat(receiver.eventKeys()).containsExactlyInAnyOrderElementsOf(keys(expected));
        assertThat(receiver.droppedCount()).isZero();
    }

    /**
     * A token rotation (401) or an ingress change (404) for a while: events are held and retried,
     * the URL's endpointFailing gauge goes to 1 and back to 0, nothing is dead-lettered or lost.
     */
    @ParameterizedTest
    @ValueSource(ints = {401, 404})
    void anEndpointWindowLosesNothing(int status) throws Exception {
        List<AuditEvent> sent = events(300, 100);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start()) {
            receiver.answerAll(status, status == 401 ? "Unauthorized" : "404 page not found");
            JobClient job = start(sent, sink(receiver.url()).build());
            receiver.awaitAnswered(status, 20, DEADLINE);
            awaitMetric(job.getJobID(), "endpointFailing", v -> v >= 1);
            assertThat(receiver.eventKeys()).isEmpty();
            assertThat(deadLetters(tmp)).isEmpty();

            receiver.answerNormally();
            finish(job);
            assertDeliveredOnce(receiver, sent);
            assertThat(deadLetters(tmp)).isEmpty();
            assertThat(metric(job.getJobID(), "endpointFailing")).isZero();
            assertThat(metric(job.getJobID(), "numRecordsOutErrors")).isZero();
            assertThat(metric(job.getJobID(), "eventsSent")).isEqualTo(sent.size());
        }
    }

    /**
     * A WAF in front of Falco rejects (403) any body with one event's {@code <script>}: the batch is
     * split until that event stands alone; it alone is the dead letter, every other event is
     * delivered exactly once.
     */
    @Test
    void aWafRejectingOneEventDeadLettersExactlyThatEvent() throws Exception {
        List<AuditEvent> sent = new ArrayList<>(events(500, 100));
        AuditEvent plain = sent.get(137);
        AuditEvent poison = new AuditEvent(plain.auditId, plain.stage, plain.stageTimestampMillis, plain.objectKey,
                new String(plain.json, StandardCharsets.UTF_8)
                        .replace("/api/v1/namespaces/default/pods", "/api/v1/namespaces/default/pods?q=<script>")
                        .getBytes(StandardCharsets.UTF_8));
        sent.set(137, poison);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().rejectBodiesContaining("<script>", 403))) {
            JobClient job = start(sent, sink(receiver.url()).build());
            finish(job);
            List<AuditEvent> others = new ArrayList<>(sent);
            others.remove(poison);
            assertDeliveredOnce(receiver, others);

            List<JsonNode> letters = deadLetters(tmp);
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).path("reason").asText()).isEqualTo("falco-rejected");
            assertThat(key(letters.get(0).path("payload"))).isEqualTo(poison.auditId + "/" + poison.stage);
            assertThat(letters.get(0).path("payload").path("requestURI").asText()).endsWith("<script>");
            assertThat(letters.get(0).path("detail").asText()).contains("HTTP 403");
            // Its batch of 50 was halved down to it: log2(50) rounds of 403s at least.
            assertThat(receiver.answered(403)).isGreaterThanOrEqualTo(6);
            assertThat(metric(job.getJobID(), "falco-rejected")).isEqualTo(1);
            assertThat(metric(job.getJobID(), "numRecordsOutErrors")).isEqualTo(1);
            assertThat(metric(job.getJobID(), "endpointFailing")).isZero();
        }
    }

    /**
     * A proxy answering 403 to everything (an authentication failure dressed as a rejection): each
     * subtask dead-letters at most {@link FalcoEndpoints#MAX_LONE_REJECTIONS} lone events, then takes
     * the URL for a failing endpoint and holds the rest; once the proxy lets POSTs through, all the
     * rest arrive exactly once.
     */
    @Test
    void aProxyForbiddingEverythingCostsAtMostTheBound() throws Exception {
        int bound = FalcoEndpoints.MAX_LONE_REJECTIONS;
        List<AuditEvent> sent = events(400, 100);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start()) {
            receiver.answerAll(403, "Forbidden");
            JobClient job = start(sent, sink(receiver.url()).build());
            // Both subtasks passed the bound; each dead-lettered exactly the bound before that.
            awaitMetric(job.getJobID(), "endpointFailing", v -> v == PARALLELISM);
            awaitDeadLetters(tmp, PARALLELISM * bound);
            // It keeps retrying (and being refused) without dead-lettering more.
            int refused = receiver.answered(403);
            receiver.awaitAnswered(403, refused + 20, DEADLINE);
            assertThat(deadLetters(tmp)).hasSize(PARALLELISM * bound);

            receiver.answerNormally();
            finish(job);
            List<JsonNode> letters = deadLetters(tmp);
            assertThat(letters).hasSize(PARALLELISM * bound)
                    .allSatisfy(d -> assertThat(d.path("reason").asText()).isEqualTo("falco-rejected"));
            Set<String> lettered = letters.stream().map(d -> key(d.path("payload"))).collect(Collectors.toSet());
            assertThat(lettered).hasSize(PARALLELISM * bound);
            List<AuditEvent> rest = sent.stream().filter(e -> !lettered.contains(e.auditId + "/" + e.stage))
                    .collect(Collectors.toList());
            assertThat(rest).hasSize(sent.size() - PARALLELISM * bound);
            assertDeliveredOnce(receiver, rest);
            assertThat(metric(job.getJobID(), "numRecordsOutErrors")).isEqualTo(PARALLELISM * bound);
            assertThat(metric(job.getJobID(), "endpointFailing")).isZero();
        }
    }

    /**
     * Verification stays on by default: a certificate from a trusted CA but for another name is
     * refused, as an endpoint problem (no dead letter even past falco.retry.max-attempts, no HTTP
     * request reaches the receiver).
     */
    @Test
    void aCertificateForAnotherNameIsRefusedAsAnEndpointProblem() throws Exception {
        List<AuditEvent> sent = events(100, 100);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().certificateFor("falco.other.example"))) {
            JobClient job = start(sent, sink(receiver.url()).setTlsCaFile(receiver.caFile().toString())
                    .setMaxAttempts(2).build());
            awaitMetric(job.getJobID(), "endpointFailing", v -> v >= 1);
            awaitMetric(job.getJobID(), "retries", v -> v >= 10);
            assertThat(receiver.requestCount()).isZero();
            assertThat(deadLetters(tmp)).isEmpty();
            assertThat(metric(job.getJobID(), "numRecordsOutErrors")).isZero();
            job.cancel().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** An untrusted CA likewise: held and retried, never a dead letter. */
    @Test
    void anUntrustedCertificateIsAnEndpointProblem() throws Exception {
        List<AuditEvent> sent = events(100, 100);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().https(true))) {
            JobClient job = start(sent, sink(receiver.url()).setMaxAttempts(2).build());
            awaitMetric(job.getJobID(), "endpointFailing", v -> v >= 1);
            awaitMetric(job.getJobID(), "retries", v -> v >= 10);
            assertThat(receiver.requestCount()).isZero();
            assertThat(deadLetters(tmp)).isEmpty();
            job.cancel().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** insecure-skip-verify really skips the host name check (the certificate names another host). */
    @Test
    void insecureSkipVerifyAcceptsACertificateForAnotherName() throws Exception {
        List<AuditEvent> sent = events(100, 100);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().certificateFor("falco.other.example"))) {
            JobClient job = start(sent, sink(receiver.url()).setInsecureSkipVerify(true).setMaxAttempts(2).build());
            finish(job);
            assertDeliveredOnce(receiver, sent);
            assertThat(deadLetters(tmp)).isEmpty();
            assertThat(metric(job.getJobID(), "endpointFailing")).isZero();
        }
    }

    /**
     * On Managed Flink nothing can be mounted: the CA file and the auth header come from S3 (here
     * the in-process S3 server, through Flink's S3 file system). The proxy in front of Falco wants
     * a new token: with the old one every POST is a 401 (held, not dead-lettered); once the new
     * token is put into the header object it is picked up without a restart and everything arrives.
     */
    @Test
    void caFileAndRotatedAuthHeaderComeFromS3() throws Exception {
        List<AuditEvent> sent = events(200, 100);
        try (InProcessS3 s3 = InProcessS3.start("bridge-secrets");
                FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start(
                        FalcoWebhookReceiver.Options.defaults().https(true))) {
            s3.put("s3://bridge-secrets/falco/ca.pem", java.nio.file.Files.readAllBytes(receiver.caFile()));
            s3.put("s3://bridge-secrets/falco/auth-header", "Authorization: Bearer old\n".getBytes(StandardCharsets.UTF_8));
            receiver.requireHeader("Authorization", "Bearer rotated-token");
            JobClient job = start(sent, sink(receiver.url())
                    .setTlsCaFile("s3://bridge-secrets/falco/ca.pem")
                    .setAuthHeaderFile("s3://bridge-secrets/falco/auth-header")
                    .setAuthRecheckInterval(Duration.ofMillis(300))
                    .build());
            // TLS with the CA from S3 works (the 401 is an HTTP answer), the old token is refused.
            receiver.awaitAnswered(401, 10, DEADLINE);
            awaitMetric(job.getJobID(), "endpointFailing", v -> v >= 1);
            assertThat(receiver.eventKeys()).isEmpty();

            s3.put("s3://bridge-secrets/falco/auth-header",
                    "Authorization: Bearer rotated-token\n".getBytes(StandardCharsets.UTF_8));
            finish(job);
            assertDeliveredOnce(receiver, sent);
            assertThat(deadLetters(tmp)).isEmpty();
            assertThat(receiver.headerValues("Authorization")).containsOnly("Bearer old", "Bearer rotated-token");
            assertThat(metric(job.getJobID(), "endpointFailing")).isZero();
        }
    }

    /**
     * The first URL is a dead address: on loopback, a listening socket whose accept queue is full
     * drops every SYN, as a vanished node or a dropping security group does. Each POST to it fails
     * after the connect timeout (1 s), not the request timeout (2 min), and the writer fails over:
     * everything arrives at the second URL well before even one request timeout could pass.
     */
    @Test
    void aDeadAddressFailsOverAfterTheConnectTimeout() throws Exception {
        List<AuditEvent> sent = events(300, 100);
        Duration connectTimeout = Duration.ofSeconds(1);
        Duration requestTimeout = Duration.ofMinutes(2);
        try (Blackhole dead = Blackhole.start(); FalcoWebhookReceiver up = FalcoWebhookReceiver.start()) {
            JobClient job = start(sent, sink(dead.url())
                    .setUrls(List.of(dead.url(), up.url()))
                    .setConnectTimeout(connectTimeout)
                    .setRequestTimeout(requestTimeout)
                    .build());
            up.awaitEventCount(sent.size(), requestTimeout.dividedBy(4));
            finish(job);
            assertDeliveredOnce(up, sent);
            // The dead address was really tried (and failed over from), and nothing was lost to it.
            assertThat(metric(job.getJobID(), "retries")).isPositive();
            assertThat(deadLetters(tmp)).isEmpty();
        }
    }

    /** A loopback address that never completes a TCP handshake. */
    private static final class Blackhole implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> queued = new ArrayList<>();

        private Blackhole(ServerSocket server) {
            this.server = server;
        }

        static Blackhole start() throws IOException {
            // Backlog 1 and never accept(): once the accept queue is full Linux drops further SYNs.
            Blackhole b = new Blackhole(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), b.server.getLocalPort());
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket();
                try {
                    s.connect(address, 500);
                    b.queued.add(s);
                } catch (SocketTimeoutException full) {
                    s.close();
                    return b;
                }
            }
            b.close();
            throw new IllegalStateException("the accept queue never filled: cannot make a dead address here");
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort() + FalcoWebhookReceiver.PATH);
        }

        @Override
        public void close() throws IOException {
            for (Socket s : queued) {
                s.close();
            }
            server.close();
        }
    }
}
