package dev.eksaudit.bridge.validate;

import dev.eksaudit.bridge.config.BridgeConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.runtime.state.CheckpointStorage;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Without {@code execution.checkpointing.dir} (or its old name {@code state.checkpoints.dir}) Flink
 * keeps checkpoints in JobManager memory, 5 MB at most. The dedup state outgrows that at ~100k
 * distinct events; from then on every checkpoint fails, the job restarts from an old one, re-sends
 * and loops forever. So the job refuses to start on that storage.
 *
 * <p>Managed Service for Apache Flink configures durable checkpoint storage itself and does not
 * expose it to the job's configuration: there (detected as {@link BridgeConfigLoader} detects the
 * runtime properties, by the service's properties file) the check passes.
 */
public final class CheckpointStorageCheck {

    public static final String NAME = "checkpoint storage";

    private CheckpointStorageCheck() {}

    /** On the configuration this environment submits with; Managed Flink detected at its usual path. */
    public static CheckResult check(StreamExecutionEnvironment env) {
        return check(env, BridgeConfigLoader.MANAGED_FLINK_PROPERTIES);
    }

    /** As {@link #check(StreamExecutionEnvironment)}, with the Managed Flink properties file given (tests). */
    public static CheckResult check(StreamExecutionEnvironment env, Path managedFlinkProperties) {
        return check(env.getConfiguration(), ProgrammaticCheckpointStorage.of(env),
                Files.isRegularFile(managedFlinkProperties));
    }

    static CheckResult check(ReadableConfig conf, CheckpointStorage programmatic, boolean managedFlink) {
        if (managedFlink) {
            return CheckResult.passed(NAME, "provided by Managed Service for Apache Flink");
        }
        if (programmatic instanceof JobManagerCheckpointStorage) {
            return jobManagerMemory("the job sets JobManagerCheckpointStorage");
        }
        if (programmatic != null && !(programmatic instanceof FileSystemCheckpointStorage)) {
            return CheckResult.passed(NAME, programmatic.getClass().getSimpleName());
        }
        Optional<String> storage = conf.getOptional(CheckpointingOptions.CHECKPOINT_STORAGE);
        if (storage.isPresent() && "jobmanager".equals(storage.get().trim().toLowerCase(Locale.ROOT))) {
            return jobManagerMemory(CheckpointingOptions.CHECKPOINT_STORAGE.key() + " is jobmanager");
        }
        Optional<String> dir = conf.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY);
        if (dir.isPresent() && !dir.get().isBlank()) {
            return CheckResult.passed(NAME, dir.get().trim());
        }
        if (programmatic instanceof FileSystemCheckpointStorage) {
            return CheckResult.passed(NAME, ((FileSystemCheckpointStorage) programmatic).getCheckpointPath().toString());
        }
        if (storage.isPresent() && !"filesystem".equals(storage.get().trim().toLowerCase(Locale.ROOT))) {
            return CheckResult.passed(NAME, storage.get().trim()); // a custom storage factory: its own business
        }
        return jobManagerMemory(CheckpointingOptions.CHECKPOINTS_DIRECTORY.key() + " is not set");
    }

    private static CheckResult jobManagerMemory(String why) {
        return CheckResult.failed(NAME, why + ": checkpoints would live in JobManager memory (5 MB at most; the dedup "
                + "state outgrows it and the job then restarts and re-sends forever); set "
                + CheckpointingOptions.CHECKPOINTS_DIRECTORY.key()
                + " to a durable directory, e.g. s3://bucket/flink/checkpoints (file:///... for a local run)");
    }
}
