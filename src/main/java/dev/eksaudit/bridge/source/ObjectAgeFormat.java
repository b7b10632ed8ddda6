package dev.eksaudit.bridge.source;

import dev.eksaudit.bridge.decode.ObjectRecord;
import java.io.IOException;
import java.time.Clock;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.metrics.Gauge;

/**
 * The reader's format with one addition, the {@code objectAgeMs} gauge: how old the S3 object was
 * (now minus its modification time) when the bridge started reading it. Firehose's buffer interval
 * plus discovery delay show here; a value climbing past the lookback means objects are about to
 * be missed. Lives beside the reader because only the split knows the modification time and only
 * the reader context has a metric group. Created per reader on the TaskManager, never serialized.
 */
final class ObjectAgeFormat implements BulkFormat<ObjectRecord, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    private final BulkFormat<ObjectRecord, FileSourceSplit> format;
    private final transient Age age;

    ObjectAgeFormat(BulkFormat<ObjectRecord, FileSourceSplit> format, Age age) {
        this.format = format;
        this.age = age;
    }

    @Override
    public Reader<ObjectRecord> createReader(Configuration config, FileSourceSplit split) throws IOException {
        age.started(split.fileModificationTime());
        return format.createReader(config, split);
    }

    @Override
    public Reader<ObjectRecord> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        age.started(split.fileModificationTime());
        return format.restoreReader(config, split);
    }

    @Override
    public boolean isSplittable() {
        return format.isSplittable();
    }

    @Override
    public TypeInformation<ObjectRecord> getProducedType() {
        return format.getProducedType();
    }

    /** The gauge: -1 until an object with a known modification time was started. */
    static final class Age implements Gauge<Long> {
        static final long UNDEFINED = -1L;

        private final Clock clock;
        private volatile long ageMillis = UNDEFINED;

        Age(Clock clock) {
            this.clock = clock;
        }

        void started(long modificationTimeMillis) {
            if (modificationTimeMillis > 0) { // unknown (0) for some file systems
                ageMillis = Math.max(0L, clock.millis() - modificationTimeMillis);
            }
        }

        @Override
        public Long getValue() {
            return ageMillis;
        }
    }
}
