package dev.eksaudit.bridge.source;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.BridgeOptions;
import dev.eksaudit.bridge.config.InputMode;
import dev.eksaudit.bridge.decode.FirehoseObjectFormat;
import dev.eksaudit.bridge.decode.ObjectRecord;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.core.fs.Path;

/**
 * The Flink {@link FileSource} over {@code input.path}. Its enumerator state is what gives
 * exactly-once file tracking: an object handed to a reader is never handed out again, and a
 * reader's position (records to skip) is checkpointed, so a restore neither skips nor re-reads.
 */
public final class AuditObjectSource {

    private AuditObjectSource() {}

    public static FileSource<ObjectRecord> create(BridgeConfig config) {
        return create(config, new FirehoseObjectFormat());
    }

    public static FileSource<ObjectRecord> create(BridgeConfig config, FirehoseObjectFormat format) {
        FileSource.FileSourceBuilder<ObjectRecord> builder = FileSource
                .forBulkFileFormat(format, new Path(config.inputPath()))
                .setFileEnumerator(() -> new NonSplittingRecursiveEnumerator(new FirehoseFileFilter()));
        if (config.inputMode() == InputMode.CONTINUOUS) {
            builder.monitorContinuously(config.get(BridgeOptions.INPUT_DISCOVERY_INTERVAL));
        }
        return builder.build();
    }

    /**
     * The source that lists only the hour folders of the lookback window (and of a time range in
     * bounded mode), with state bounded by the window: see {@link FirehoseSource}.
     */
    public static FirehoseSource firehoseSource(
            BridgeConfig config,
            org.apache.flink.connector.file.src.reader.BulkFormat<ObjectRecord,
                    org.apache.flink.connector.file.src.FileSourceSplit> format) {
        return FirehoseSource.fromConfig(config, format);
    }
}
