package dev.eksaudit.bridge.decode;

import java.io.IOException;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;

/**
 * Reads one S3 object written by Kinesis Firehose (any of the four layouts, detected from the bytes)
 * into {@link ObjectRecord}s: the exact bytes of each top-level JSON value, or a failure record.
 *
 * <p>A {@link BulkFormat} rather than a StreamFormat because it needs the object's path and must
 * open the object itself: FileSource would gunzip by suffix, which is wrong for layout (a) (no
 * suffix, gzip inside) and only half right for (b). Not splittable: gzip and JSON framing both need
 * the start of the object. Checkpoints are "re-read and skip N records", so framing is
 * deterministic. Bad bytes never fail the job; storage errors are retried with backoff and then
 * give one {@code unreadable-object} record.
 */
public final class FirehoseObjectFormat implements BulkFormat<ObjectRecord, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    public static final long DEFAULT_MAX_RECORD_BYTES = 64L * 1024 * 1024;
    public static final int DEFAULT_READ_ATTEMPTS = 3;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
    public static final int DEFAULT_BATCH_BYTES = 1024 * 1024;
    public static final int DEFAULT_BATCH_RECORDS = 4096;
    /** A CloudWatch Logs subscription record is ~1 MiB gzipped; hold members up to this for the CRC. */
    public static final int DEFAULT_VERIFY_MEMBER_BYTES = 16 * 1024 * 1024;

    private final long maxRecordBytes;
    private final int readAttempts;
    private final long initialBackoffMillis;
    private final int batchBytes;
    private final int batchRecords;
    private final int verifyMemberBytes;
    private final ObjectOpener opener;

    /** All defaults. */
    public FirehoseObjectFormat() {
        this(builder());
    }

    private FirehoseObjectFormat(Builder b) {
        this.maxRecordBytes = b.maxRecordBytes;
        this.readAttempts = b.readAttempts;
        this.initialBackoffMillis = b.initialBackoff.toMillis();
        this.batchBytes = b.batchBytes;
        this.batchRecords = b.batchRecords;
        this.verifyMemberBytes = b.verifyMemberBytes;
        this.opener = b.opener;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Reader<ObjectRecord> createReader(Configuration config, FileSourceSplit split) throws IOException {
        return restoreReader(config, split);
    }

    @Override
    public Reader<ObjectRecord> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        long skip = split.getReaderPosition().map(CheckpointedPosition::getRecordsAfterOffset).orElse(0L);
        return new FirehoseObjectReader(this, split.path(), skip);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<ObjectRecord> getProducedType() {
        return TypeInformation.of(ObjectRecord.class);
    }

    long maxRecordBytes() {
        return maxRecordBytes;
    }

    int readAttempts() {
        return readAttempts;
    }

    long initialBackoffMillis() {
        return initialBackoffMillis;
    }

    int batchBytes() {
        return batchBytes;
    }

    int batchRecords() {
        return batchRecords;
    }

    int verifyMemberBytes() {
        return verifyMemberBytes;
    }

    ObjectOpener opener() {
        return opener;
    }

    /** Settings of {@link FirehoseObjectFormat}; every one has a production default. */
    public static final class Builder {
        private long maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;
        private int readAttempts = DEFAULT_READ_ATTEMPTS;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private int batchBytes = DEFAULT_BATCH_BYTES;
        private int batchRecords = DEFAULT_BATCH_RECORDS;
        private int verifyMemberBytes = DEFAULT_VERIFY_MEMBER_BYTES;
        private ObjectOpener opener = ObjectOpener.flinkFileSystem();

        private Builder() {}

        /** Largest single JSON value kept; a larger one becomes an {@code oversize} record. */
        public Builder maxRecordBytes(long bytes) {
            if (bytes < 2) {
                throw new IllegalArgumentException("maxRecordBytes must be at least 2: " + bytes);
            }
            this.maxRecordBytes = bytes;
            return this;
        }

        /** Opens/reads of one object before it becomes {@code unreadable-object} (at least 1). */
        public Builder readAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("readAttempts must be at least 1: " + attempts);
            }
            this.readAttempts = attempts;
            return this;
        }

        /** Wait before the second attempt; doubles for each further one. */
        public Builder initialBackoff(Duration backoff) {
            if (backoff.isNegative()) {
                throw new IllegalArgumentException("initialBackoff must not be negative: " + backoff);
            }
            this.initialBackoff = backoff;
            return this;
        }

        /** Payload bytes per batch handed to Flink (a batch ends after the record that passes it). */
        public Builder batchBytes(int bytes) {
            this.batchBytes = Math.max(1, bytes);
            return this;
        }

        /** Records per batch handed to Flink. */
        public Builder batchRecords(int records) {
            this.batchRecords = Math.max(1, records);
            return this;
        }

        /** A gzip member up to this size is checked against its CRC before any of it is framed. */
        public Builder verifyMemberBytes(int bytes) {
            this.verifyMemberBytes = bytes;
            return this;
        }

        /** Test seam: where the object's bytes come from. */
        Builder opener(ObjectOpener opener) {
            this.opener = opener;
            return this;
        }

        public FirehoseObjectFormat build() {
            return new FirehoseObjectFormat(this);
        }
    }
}
