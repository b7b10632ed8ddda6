package dev.eksaudit.bridge.validate;

import org.apache.flink.runtime.state.CheckpointStorage;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The checkpoint storage a program set on its environment, if any: Flink 1.20 still has
 * {@code CheckpointConfig#setCheckpointStorage} (deprecated). (src/flink2/java has the 2.x one,
 * where storage is configuration only.)
 */
final class ProgrammaticCheckpointStorage {

    private ProgrammaticCheckpointStorage() {}

    /** Null when the program set none (then the configuration decides). */
    @SuppressWarnings("deprecation")
    static CheckpointStorage of(StreamExecutionEnvironment env) {
        return env.getCheckpointConfig().getCheckpointStorage();
    }
}
