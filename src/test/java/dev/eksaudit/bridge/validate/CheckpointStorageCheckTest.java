package dev.eksaudit.bridge.validate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard against JobManager-memory checkpoints, on environments built from real Flink
 * configurations (so the key names, the deprecated fallback and Flink's own parsing are the ones a
 * job sees at start).
 */
class CheckpointStorageCheckTest {

    @TempDir
    Path tmp;

    private Path noManagedFlink() {
        return tmp.resolve("no-such-application_properties.json");
    }

    private static StreamExecutionEnvironment env(Map<String, String> settings) {
        return StreamExecutionEnvironment.getExecutionEnvironment(Configuration.fromMap(settings));
    }

    @Test
    void refusesJobManagerMemoryWithOneLineNamingTheKey() {
        CheckResult result = CheckpointStorageCheck.check(env(Map.of("execution.checkpointing.interval", "30 s")), noManagedFlink());

        assertThat(result.failed()).isTrue();
        assertThat(result.line()).doesNotContain("\n")
                .startsWith("FAIL  checkpoint storage: execution.checkpointing.dir is not set: ")
                .contains("set execution.checkpointing.dir to a durable directory");
    }

    @Test
    void refusesAnExplicitJobManagerStorageEvenWithADirectory() {
        CheckResult result = CheckpointStorageCheck.check(env(Map.of(
                "execution.checkpointing.storage", "jobmanager",
                "execution.checkpointing.dir", "file:///tmp/cp")), noManagedFlink());

        assertThat(result.failed()).isTrue();
        assertThat(result.detail()).startsWith("execution.checkpointing.storage is jobmanager: ")
                .contains("set execution.checkpointing.dir");
    }

    @Test
    void passesWithADirectoryUnderEitherName() {
        CheckResult current = CheckpointStorageCheck.check(env(Map.of("execution.checkpointing.dir", "s3://b/cp")), noManagedFlink());
        CheckResult old = CheckpointStorageCheck.check(env(Map.of("state.checkpoints.dir", "s3://b/old")), noManagedFlink());

        assertThat(current.line()).isEqualTo("ok    checkpoint storage: s3://b/cp");
        assertThat(old.line()).isEqualTo("ok    checkpoint storage: s3://b/old");
    }

    @Test
    void passesOnManagedFlinkWhichProvidesItsOwnStorage() throws Exception {
        Path properties = Files.writeString(tmp.resolve("application_properties.json"), "[]");

        CheckResult result = CheckpointStorageCheck.check(env(Map.of()), properties);

        assertThat(result.line()).isEqualTo("ok    checkpoint storage: provided by Managed Service for Apache Flink");
    }

    @Test
    void theLocalRunConfigurationSetsADirectory() {
        Configuration local = GlobalConfiguration.loadConfiguration("flink-conf");

        CheckResult result = CheckpointStorageCheck.check(StreamExecutionEnvironment.getExecutionEnvironment(local), noManagedFlink());

        assertThat(result.line()).isEqualTo("ok    checkpoint storage: file:///tmp/eks-audit-bridge/checkpoints");
    }
}
