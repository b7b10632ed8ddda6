package dev.eksaudit.bridge.source;

import dev.eksaudit.bridge.decode.ObjectRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.SingletonResultIterator;

/**
 * The smallest BulkFormat for source tests: one record per object, carrying its path (the real
 * format, which frames the object's JSON values, is not the source's concern). Restoring a split
 * whose one record was already emitted yields nothing.
 */
final class PathPerObjectFormat implements BulkFormat<ObjectRecord, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    @Override
    public Reader<ObjectRecord> createReader(Configuration config, FileSourceSplit split) {
        return new OneRecord(split, false);
    }

    @Override
    public Reader<ObjectRecord> restoreReader(Configuration config, FileSourceSplit split) {
        boolean done = split.getReaderPosition().map(p -> p.getRecordsAfterOffset() > 0).orElse(false);
        return new OneRecord(split, done);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<ObjectRecord> getProducedType() {
        return TypeInformation.of(ObjectRecord.class);
    }

    private static final class OneRecord implements Reader<ObjectRecord> {
        private final FileSourceSplit split;
        private boolean done;

        OneRecord(FileSourceSplit split, boolean done) {
            this.split = split;
            this.done = done;
        }

        @Override
        public RecordIterator<ObjectRecord> readBatch() {
            if (done) {
                return null;
            }
            done = true;
            String path = split.path().toString();
            SingletonResultIterator<ObjectRecord> batch = new SingletonResultIterator<>();
            batch.set(ObjectRecord.value(path, 0, 0, path.getBytes(StandardCharsets.UTF_8)),
                    CheckpointedPosition.NO_OFFSET, 1);
            return batch;
        }

        @Override
        public void close() {}
    }
}
