package dev.eksaudit.bridge.validate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import dev.eksaudit.bridge.source.InProcessS3;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every setup check against the real parts: S3 through the in-process S3 server and Flink's S3
 * file system, Falco through the contract receiver. One good setup where every check passes, and
 * one setup per failure a person makes, each failing in exactly its own check with its cause.
 */
class SetupChecksTest {

    private static final String OBJECT_BODY = "{\"messageType\":\"DATA_MESSAGE\",\"logGroup\":\"/aws/eks/demo/cluster\","
            + "\"logStream\":\"kube-apiserver-audit-0\",\"logEvents\":[]}\n";

    private static InProcessS3 s3;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = InProcessS3.start("audit", "empty");
        s3.put("s3://audit/eks/2026/11/26/14/older-object", OBJECT_BODY.getBytes(StandardCharsets.UTF_8));
        s3.put("s3://audit/eks/2026/11/26/15/newest-object", OBJECT_BODY.getBytes(StandardCharsets.UTF_8));
        s3.put("s3://audit/eks/processing-failed/2026/11/26/16/failed-record", "x".getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.close();
    }

    @AfterEach
    void restoreFileSystems() {
        FileSystem.initialize(InProcessS3.flinkConfiguration(s3.endpoint()), null);
    }

    private StreamExecutionEnvironment envWithCheckpointDir() {
        Configuration conf = new Configuration();
        conf.setString("execution.checkpointing.dir", tmp.resolve("checkpoints").toUri().toString());
        return StreamExecutionEnvironment.getExecutionEnvironment(conf);
    }

    private List<String> run(String... args) {
        BridgeConfig config = BridgeConfig.fromArgs(args);
        return SetupChecks.run(config, envWithCheckpointDir(), tmp.resolve("no-managed-flink.json")).stream()
                .map(CheckResult::line).collect(Collectors.toList());
    }

    private static String[] args(String input, String dlq, String falcoUrl, String... more) {
        List<String> args = new ArrayList<>(List.of("--input.path", input, "--falco.url", falcoUrl));
        if (dlq != null) {
            args.addAll(List.of("--dlq.path", dlq));
        }
        args.addAll(Arrays.asList(more));
        return args.toArray(String[]::new);
    }

    @Test
    void aGoodSetupPassesEveryCheck() throws Exception {
        try (FalcoWebhookReceiver falco = FalcoWebhookReceiver.start()) {
            List<String> lines = run(args("s3://audit/eks/", "s3://audit/dead-letters/", falco.url().toString()));

            assertThat(lines).containsExactly(
                    "ok    input: listed s3://audit/eks/; read the first 64 bytes of s3://audit/eks/2026/11/26/15/newest-object",
                    "ok    dead letters: wrote and removed a probe file under s3://audit/dead-letters/",
                    "ok    falco " + falco.url() + ": an empty EventList got HTTP 200",
                    "ok    checkpoint storage: " + tmp.resolve("checkpoints").toUri());
            // One POST, an EventList without events; the probe file is gone again.
            assertThat(falco.requestCount()).isEqualTo(1);
            org.apache.flink.core.fs.Path dlq = new org.apache.flink.core.fs.Path("s3://audit/dead-letters/");
            assertThat(exists(dlq) ? dlq.getFileSystem().listStatus(dlq) : new Object[0]).isEmpty();
        }
    }

    private static boolean exists(org.apache.flink.core.fs.Path path) throws Exception {
        return path.getFileSystem().exists(path);
    }

    @Test
    void anEmptyPrefixOfAnExistingBucketPasses() {
        List<String> lines = run(args("s3://empty/eks/", null, "http://127.0.0.1:9/k8s-audit", "--falco.dry-run", "true"));

        assertThat(lines).containsExactly(
                "ok    input: listed s3://empty/eks/: no objects yet",
                "skip  dead letters: dlq.path is not set: dead letters are counted and logged, not written",
                "skip  falco: falco.dry-run is true: nothing is sent",
                "ok    checkpoint storage: " + tmp.resolve("checkpoints").toUri());
    }

    /** Several paths: one line each, so the one that is wrong is named; a custom prefix is listed from its fixed part. */
    @Test
    void everyInputPathIsCheckedOnItsOwn() {
        List<String> lines = run(args("s3://audit/eks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/,"
                        + "edge=s3://no-such-bucket/eks/", null, "http://127.0.0.1:9/k8s-audit", "--falco.dry-run", "true"));

        assertThat(lines.get(0)).isEqualTo(
                "ok    input: listed s3://audit/eks/; read the first 64 bytes of s3://audit/eks/2026/11/26/15/newest-object");
        assertThat(lines.get(1)).startsWith("FAIL  input: cannot list s3://no-such-bucket/eks/: no such bucket (");
        assertThat(lines).hasSize(5);
    }

    @Test
    void aMissingBucketFailsTheInputAndTheDeadLetterChecks() {
        List<String> lines = run(args("s3://no-such-bucket/eks/", "s3://no-such-bucket/dlq/", "http://127.0.0.1:9/k8s-audit",
                "--falco.dry-run", "true"));

        assertThat(lines.get(0)).startsWith("FAIL  input: cannot list s3://no-such-bucket/eks/: no such bucket (");
        assertThat(lines.get(1)).startsWith("FAIL  dead letters: cannot write under s3://no-such-bucket/dlq/: ")
                .contains("NoSuchBucket");
    }

    @Test
    void aProgressPathIsCheckedWhenSet() throws Exception {
        List<String> good = run(args("s3://audit/eks/", null, "http://127.0.0.1:9/k8s-audit", "--falco.dry-run", "true",
                "--input.progress-path", "s3://audit/progress/"));
        assertThat(good).contains("ok    progress records: wrote and removed a probe file under s3://audit/progress/");
        org.apache.flink.core.fs.Path progress = new org.apache.flink.core.fs.Path("s3://audit/progress/");
        assertThat(exists(progress) ? progress.getFileSystem().listStatus(progress) : new Object[0]).isEmpty();

        List<String> missing = run(args("s3://audit/eks/", null, "http://127.0.0.1:9/k8s-audit", "--falco.dry-run", "true",
                "--input.progress-path", "s3://no-such-bucket/progress/"));
        assertThat(missing).anySatisfy(line -> assertThat(line)
                .startsWith("FAIL  progress records: cannot write under s3://no-such-bucket/progress/: ")
                .contains("NoSuchBucket").endsWith("(input.progress-path)"));
    }

    @Test
    void wrongCredentialsAreDeniedWithTheStatusAndNoSecret() {
        Configuration wrong = InProcessS3.flinkConfiguration(s3.endpoint());
        wrong.setString("s3.secret-key", "not-the-secret-key-0123456789");
        FileSystem.initialize(wrong, null);

        List<String> lines = run(args("s3://audit/eks/", "s3://audit/dead-letters/", "http://127.0.0.1:9/k8s-audit",
                "--falco.dry-run", "true"));

        assertThat(lines.get(0)).startsWith("FAIL  input: cannot list s3://audit/eks/: ").contains("HTTP 403");
        assertThat(lines.get(1)).startsWith("FAIL  dead letters: cannot write under s3://audit/dead-letters/: ").contains("HTTP 403");
        assertThat(String.join("\n", lines)).doesNotContain("not-the-secret-key").doesNotContain(InProcessS3.SECRET_KEY);
    }

    @Test
    void noCredentialsAtAllFailTheInputCheck() {
        Configuration none = InProcessS3.flinkConfiguration(s3.endpoint());
        none.removeConfig(org.apache.flink.configuration.ConfigOptions.key("s3.access-key").stringType().noDefaultValue());
        none.removeConfig(org.apache.flink.configuration.ConfigOptions.key("s3.secret-key").stringType().noDefaultValue());
        // Only the configuration's keys, as on a machine without AWS credentials anywhere.
        none.setString("s3.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        FileSystem.initialize(none, null);

        List<String> lines = run(args("s3://audit/eks/", null, "http://127.0.0.1:9/k8s-audit", "--falco.dry-run", "true"));

        assertThat(lines.get(0)).startsWith("FAIL  input: cannot list s3://audit/eks/: ").contains("No AWS Credentials");
    }

    @Test
    void aLocalInputThatDoesNotExistFails() {
        String input = tmp.resolve("no-such-dir").toUri().toString();

        List<String> lines = run(args(input, null, "http://127.0.0.1:9/k8s-audit", "--falco.dry-run", "true"));

        assertThat(lines.get(0)).isEqualTo("FAIL  input: " + input + " does not exist");
    }

    @Test
    void anUnwritableDeadLetterPathFails() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
        String dlq = file.toUri() + "/dead-letters/";

        List<String> lines = run(args("s3://audit/eks/", dlq, "http://127.0.0.1:9/k8s-audit", "--falco.dry-run", "true"));

        assertThat(lines.get(1)).startsWith("FAIL  dead letters: cannot write under " + dlq + ": ");
        assertThat(Files.readString(file)).isEqualTo("not a directory");
    }

    @Test
    void falcoOnTheWrongPathDownOrRefusingEachFailWithTheAnswer() throws Exception {
        try (FalcoWebhookReceiver falco = FalcoWebhookReceiver.start();
                FalcoWebhookReceiver refusing = FalcoWebhookReceiver.start(
                        FalcoWebhookReceiver.Options.defaults().fixedStatus(401, "unauthorized"));
                FalcoWebhookReceiver down = FalcoWebhookReceiver.start()) {
            down.stop();
            String wrongPath = falco.url().resolve("/k8saudit").toString();

            List<String> lines = run(args("s3://audit/eks/", null,
                    wrongPath + "," + refusing.url() + "," + down.url(), "--falco.request-timeout", "5 s"));

            assertThat(lines).hasSize(6);
            assertThat(lines.get(2)).isEqualTo("FAIL  falco " + wrongPath + ": an empty EventList got HTTP 404: 404 page not found");
            assertThat(lines.get(3)).isEqualTo("FAIL  falco " + refusing.url() + ": an empty EventList got HTTP 401: unauthorized");
            assertThat(lines.get(4)).startsWith("FAIL  falco " + down.url() + ": an empty EventList got ")
                    .contains("Connect");
        }
    }

    @Test
    void falcoIsAskedOverTlsWithTheConfiguredCaAndAuthHeaderAndTheLineNeverShowsIt() throws Exception {
        try (FalcoWebhookReceiver falco = FalcoWebhookReceiver.start(FalcoWebhookReceiver.Options.defaults().https(true))) {
            Path header = Files.writeString(tmp.resolve("header"), "Authorization: Bearer s3cr3t-token\n");

            List<String> withoutCa = run(args("s3://audit/eks/", null, falco.url().toString()));
            List<String> withCa = run(args("s3://audit/eks/", null, falco.url().toString(),
                    "--falco.tls.ca-file", falco.caFile().toString(), "--falco.auth.header-file", header.toString()));

            // The JVM's trust store does not know the receiver's CA: the handshake fails, nothing is posted.
            assertThat(withoutCa.get(2)).startsWith("FAIL  falco " + falco.url() + ": an empty EventList got ").contains("SSL");
            assertThat(withCa.get(2)).isEqualTo("ok    falco " + falco.url() + ": an empty EventList got HTTP 200");
            assertThat(falco.requestCount()).isEqualTo(1);
            assertThat(falco.headerValues("Authorization")).containsExactly("Bearer s3cr3t-token");
            assertThat(String.join("\n", withCa)).doesNotContain("s3cr3t");
        }
    }

    @Test
    void onlyInputAndDeadLetterFailuresStopABoundedRun() {
        assertThat(SetupChecks.stopsABoundedRun(CheckResult.failed("input", "x"))).isTrue();
        assertThat(SetupChecks.stopsABoundedRun(CheckResult.failed("dead letters", "x"))).isTrue();
        assertThat(SetupChecks.stopsABoundedRun(CheckResult.failed("falco http://f/k8s-audit", "x"))).isFalse();
        assertThat(SetupChecks.stopsABoundedRun(CheckResult.passed("input", "x"))).isFalse();
    }
}
