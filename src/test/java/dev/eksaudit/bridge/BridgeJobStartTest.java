package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import dev.eksaudit.bridge.source.InProcessS3;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code BridgeJob.main} as a user starts it with {@code java} (what the README's run command
 * does): a separate JVM with the local run's log configuration and a Flink configuration
 * directory, against the in-process S3 server and the Falco receiver. Asserts exit codes and the
 * exact lines a person sees: {@code --validate} (0 or 1, one line per check, no job) and the
 * start-time guards (2 and one line).
 */
class BridgeJobStartTest {

    private static InProcessS3 s3;
    private static FalcoWebhookReceiver falco;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        s3 = InProcessS3.start("audit");
        s3.put("s3://audit/eks/2026/11/26/15/object-1", "{\"messageType\":\"CONTROL_MESSAGE\"}\n".getBytes(StandardCharsets.UTF_8));
        falco = FalcoWebhookReceiver.start();
    }

    @AfterAll
    static void stop() throws Exception {
        falco.close();
        s3.close();
    }

    /** A FLINK_CONF_DIR with the s3.* keys of the in-process server, and a checkpoint directory or not. */
    private static Path confDir(String name, boolean checkpointDir) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        StringBuilder yaml = new StringBuilder();
        InProcessS3.flinkConfiguration(s3.endpoint()).toMap().forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        if (checkpointDir) {
            yaml.append("execution.checkpointing.dir: ").append(tmp.resolve("checkpoints").toUri()).append('\n');
        }
        // Flink picks the web UI's port: two builds on one machine never meet on 8081.
        yaml.append("rest.port: 0\n");
        Files.writeString(dir.resolve("config.yaml"), yaml.toString());
        return dir;
    }

    private static final class Run {
        int exit;
        List<String> out;
        List<String> err;

        /** What --validate printed: its check lines, without the log lines around them. */
        List<String> checkLines() {
            return out.stream().filter(l -> l.startsWith("ok    ") || l.startsWith("FAIL  ") || l.startsWith("skip  "))
                    .collect(Collectors.toList());
        }
    }

    private static Run bridgeJob(Path confDir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        // Flink 1.20 on Java 17 needs the opens the surefire JVM was started with (pom: flink.java17.opens).
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports")).forEach(command::add);
        command.addAll(List.of(
                "-Dlog4j.configurationFile=flink-conf/log4j2-local.xml",
                "-Dlog.file=" + tmp.resolve("bridge.log"),
                BridgeJob.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("FLINK_CONF_DIR", confDir.toString());
        builder.environment().put("FLINK_PLUGINS_DIR", tmp.resolve("no-plugins").toString());
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("BridgeJob did not exit within 120 s; stdout: " + Files.readString(out));
        }
        Run run = new Run();
        run.exit = process.exitValue();
        run.out = Files.readAllLines(out);
        run.err = Files.readAllLines(err);
        return run;
    }

    @Test
    void validateOnAGoodSetupPrintsOneOkLinePerCheckAndExits0() throws Exception {
        int requestsBefore = falco.requestCount();

        Run run = bridgeJob(confDir("good", true), "--validate", "--input.path", "s3://audit/eks/",
                "--dlq.path", "s3://audit/dead-letters/", "--falco.url", falco.url().toString());

        assertThat(run.exit).as("exit code; stdout %s stderr %s", run.out, run.err).isZero();
        assertThat(run.checkLines()).containsExactly(
                "ok    configuration: input.path s3://audit/eks/, input.mode continuous, 1 Falco URL(s)",
                "ok    input: listed s3://audit/eks/; read the first 34 bytes of s3://audit/eks/2026/11/26/15/object-1",
                "ok    dead letters: wrote and removed a probe file under s3://audit/dead-letters/",
                "ok    falco " + falco.url() + ": an empty EventList got HTTP 200",
                "ok    checkpoint storage: " + tmp.resolve("checkpoints").toUri());
        assertThat(run.err).isEmpty();
        // No job ran: the only request Falco saw is the probe.
        assertThat(falco.requestCount() - requestsBefore).isEqualTo(1);
        assertThat(falco.events()).isEmpty();
    }

    @Test
    void validateOnABrokenSetupSaysWhatIsWrongAndExits1() throws Exception {
        Run run = bridgeJob(confDir("broken", false), "--validate", "--input.path", "s3://no-such-bucket/eks/",
                "--dlq.path", "s3://audit/dead-letters/", "--falco.url", falco.url().resolve("/wrong").toString());

        assertThat(run.exit).isEqualTo(1);
        List<String> lines = run.checkLines();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).startsWith("ok    configuration: ");
        assertThat(lines.get(1)).startsWith("FAIL  input: cannot list s3://no-such-bucket/eks/: no such bucket");
        assertThat(lines.get(2)).startsWith("ok    dead letters: ");
        assertThat(lines.get(3)).isEqualTo("FAIL  falco " + falco.url().resolve("/wrong") + ": an empty EventList got HTTP 404: 404 page not found");
        assertThat(lines.get(4)).startsWith("FAIL  checkpoint storage: execution.checkpointing.dir is not set: ");
        assertThat(String.join("\n", run.out)).doesNotContain(InProcessS3.SECRET_KEY);
    }

    @Test
    void validateWithAConfigurationErrorPrintsOneLineAndExits1() throws Exception {
        Run run = bridgeJob(confDir("config-error", true), "--validate", "--input.path", "nope", "--falco.dry-run", "true");

        assertThat(run.exit).isEqualTo(1);
        assertThat(run.out).containsExactly(
                "FAIL  configuration: input.path: 'nope' has scheme null; expected s3://bucket/prefix/ or file:///abs/dir/, "
                        + "optionally named name=s3://bucket/prefix/ (name: letters, digits, '_', '.', '-', starting with a "
                        + "letter or digit), comma-separated");
        assertThat(run.err).isEmpty();
    }

    @Test
    void aBoundedRunWithUnwritableDeadLettersStopsAtStartWithOneLine() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-directory"), "x");
        String dlq = file.toUri() + "/dead-letters/";

        Run run = bridgeJob(confDir("bounded", true), "--input.mode", "bounded", "--input.path", "s3://audit/eks/",
                "--input.start", "2026-11-26T15:00:00Z", "--dlq.path", dlq, "--falco.url", falco.url().toString());

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err).singleElement().asString()
                .startsWith("eks-audit-bridge: dead letters: cannot write under " + dlq + ": ")
                .endsWith(" (a bounded run stops at start)");
        assertThat(run.out).noneMatch(l -> l.contains("WARN") || l.contains("ERROR") || l.contains("Exception"));
    }

    @Test
    void aBoundedRunEndsWithOneSummaryLine() throws Exception {
        Run run = bridgeJob(confDir("summary", true), "--input.mode", "bounded",
                "--input.path", Path.of("samples/eks-audit").toAbsolutePath().toUri().toString(),
                "--input.start", "2026-11-26T15:00:00Z", "--input.end", "2026-11-26T16:00:00Z", "--falco.dry-run", "true");

        assertThat(run.exit).as("exit code; stderr %s", run.err).isZero();
        // The counts are BoundedRunSummaryTest's; here: main logs exactly one such line, last.
        assertThat(run.out).filteredOn(l -> l.contains("Bounded run finished")).singleElement().asString()
                .matches(".* INFO  BridgeJob - Bounded run finished in \\d+\\.\\d s: 4 objects, 49 events to Falco, "
                        + "\\d+ duplicates dropped, dead letters: not-audit-event \\d+");
        assertThat(run.err).isEmpty();
    }

    /** The embedded Flink waited forever, silently, when its web UI port was taken. */
    @Test
    void aTakenWebUiPortStopsTheRunAtStartWithOneLine() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
            Path dir = confDir("port-taken", true);
            Path yaml = dir.resolve("config.yaml");
            Files.writeString(yaml, Files.readString(yaml).replace("rest.port: 0", "rest.port: " + taken.getLocalPort()));
            Run run = bridgeJob(dir, "--input.path", Path.of("samples/eks-audit").toAbsolutePath().toUri().toString(),
                    "--falco.dry-run", "true");

            assertThat(run.exit).isEqualTo(2);
            assertThat(run.err).containsExactly("eks-audit-bridge: rest.port: port " + taken.getLocalPort()
                    + " for the local web UI is in use (another Flink, or an earlier run still up): stop it, or set "
                    + "rest.port in " + dir + "/config.yaml to a free port (0 lets Flink choose)");
        }
    }

    @Test
    void jobManagerMemoryCheckpointsStopTheJobAtStartWithOneLine() throws Exception {
        Run run = bridgeJob(confDir("no-checkpoint-dir", false), "--input.path", "s3://audit/eks/", "--falco.dry-run", "true");

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err).singleElement().asString()
                .startsWith("eks-audit-bridge: checkpoint storage: execution.checkpointing.dir is not set: ");
        assertThat(run.out).noneMatch(l -> l.contains("WARN") || l.contains("ERROR") || l.contains("Exception"));
    }
}
