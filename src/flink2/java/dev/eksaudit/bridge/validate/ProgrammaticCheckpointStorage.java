package dev.eksaudit.bridge.validate;

import org.apache.flink.runtime.state.CheckpointStorage;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The checkpoint storage a program set on its environment, if any: Flink 2.x removed
 * {@code CheckpointConfig#setCheckpointStorage}, so there is none and the configuration
 * ({@code execution.checkpointing.storage}, {@code execution.checkpointing.dir}) alone decides.
 * (src/flink1/java has the 1.20 one.)
 */
final class ProgrammaticCheckpointStorage {

    private ProgrammaticCheckpointStorage() {}

    /** Always null on Flink 2.x. */
    static CheckpointStorage of(StreamExecutionEnvironment env) {
        return null;
    }
}
