package dev.eksaudit.bridge.deadletter;

import org.apache.flink.api.common.serialization.Encoder;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * Dead letters as JSON-lines files under {@code dlq.path}, one folder per hour. Files are rolled
 * on every checkpoint and only then become visible, which makes the output exactly-once.
 */
public final class DeadLetterSink {

    private DeadLetterSink() {}

    public static FileSink<DeadLetter> create(String dlqPath) {
        Encoder<DeadLetter> encoder = (letter, stream) -> stream.write(DeadLetterJson.encode(letter));
        return FileSink.forRowFormat(new Path(dlqPath), encoder)
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(OutputFileConfig.builder()
                        .withPartPrefix("dead-letters")
                        .withPartSuffix(".jsonl")
                        .build())
                .build();
    }

}
