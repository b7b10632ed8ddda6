package dev.eksaudit.bridge;

/**
 * The tests' hand-written sources (a steady rate with a checkpointed position, "emit, then stay
 * running") are {@code SourceFunction}s, which {@code StreamExecutionEnvironment.addSource} takes
 * in both Flink 1.20 and 2.x, from a different package: here 1.20's. Implement this instead of
 * naming either. (src/flink2-test/java has the 2.x one.)
 */
@SuppressWarnings("deprecation")
public interface TestSourceFunction<T> extends org.apache.flink.streaming.api.functions.source.SourceFunction<T> {}
