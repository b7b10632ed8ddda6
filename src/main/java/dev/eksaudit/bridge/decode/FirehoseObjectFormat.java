package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.BridgeOptions;
import dev.eksaudit.bridge.config.InputMode;
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
 * deterministic. Bad bytes never fail the job. Storage errors are retried in place, forever, with
 * backoff ({@link StorageRetry}), resuming at the byte they interrupted; only an object that stays
 * "not found" for the missing-object timeout gives one {@code unreadable-object} record.
 */
public final class FirehoseObjectFormat implements BulkFormat<ObjectRecord, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    public static final long DEFAULT_MAX_RECORD_BYTES = 64L * 1024 * 1024;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MISSING_OBJECT_TIMEOUT = Duration.ofMinutes(10);
    public static final int DEFAULT_BATCH_BYTES = 1024 * 1024;
    public static final int DEFAULT_BATCH_RECORDS = 4096;
    /** A CloudWatch Logs subscription record is ~1 MiB gzipped; hold members up to this for the CRC. */
    public static final int DEFAULT_VERIFY_MEMBER_BYTES = 16 * 1024 * 1024;

    /** A frozen copy of the builder's values. */
    private final Builder settings;
    /** Bound per source reader on the TaskManager ({@link #withMetrics}); never serialized. */
    private final transient StorageRetryMetrics metrics;
    /** Bound per source reader too ({@link #withClosing}): retry waits end when the reader closes. */
    private final transient ReaderClosing closing;

    /** All defaults. */
    public FirehoseObjectFormat() {
        this(new Builder(), null, null);
    }

    private FirehoseObjectFormat(Builder settings, StorageRetryMetrics metrics, ReaderClosing closing) {
        this.settings = settings;
        this.metrics = metrics;
        this.closing = closing;
    }

    /**
     * This format reporting {@code storageRetries} and {@code objectsBlocked} to the given metrics:
     * the source calls it once per reader, with the reader's metric group.
     */
    public FirehoseObjectFormat withMetrics(StorageRetryMetrics metrics) {
        return new FirehoseObjectFormat(settings, metrics, closing);
    }

    /** This format, its retries stopping once {@code closing} is set: the source calls it once per reader. */
    public FirehoseObjectFormat withClosing(ReaderClosing closing) {
        return new FirehoseObjectFormat(settings, metrics, closing);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The format as configured by the {@code input.*} options. */
    public static FirehoseObjectFormat fromConfig(BridgeConfig config) {
        return builder()
                .initialBackoff(config.get(BridgeOptions.INPUT_RETRY_INITIAL_BACKOFF))
                .maxBackoff(config.get(BridgeOptions.INPUT_RETRY_MAX_BACKOFF))
                .missingObjectTimeout(config.get(BridgeOptions.INPUT_MISSING_OBJECT_TIMEOUT))
                // A backfill should finish or stop with the reason; a continuous job waits for the fix.
                .deniedLimit(config.inputMode() == InputMode.BOUNDED
                        ? config.get(BridgeOptions.INPUT_DENIED_TIMEOUT) : Duration.ZERO)
                .build();
    }

    @Override
    public Reader<ObjectRecord> createReader(Configuration config, FileSourceSplit split) throws IOException {
        return restoreReader(config, split);
    }

    @Override
    public Reader<ObjectRecord> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        long skip = split.getReaderPosition().map(CheckpointedPosition::getRecordsAfterOffset).orElse(0L);
        StorageRetry retry = new StorageRetry(split.path().toString(), settings.initialBackoff, settings.maxBackoff,
                settings.missingObjectTimeout, settings.deniedLimit,
                metrics != null ? metrics : StorageRetryMetrics.unregistered(), closing);
        return new FirehoseObjectReader(this, split.path(), split.length(), skip, retry);
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
        return settings.maxRecordBytes;
    }


    int batchBytes() {
        return settings.batchBytes;
    }

    int batchRecords() {
        return settings.batchRecords;
    }

    int verifyMemberBytes() {
        return settings.verifyMemberBytes;
    }

    ObjectOpener opener() {
        return settings.opener;
    }

    /** Settings of {@link FirehoseObjectFormat}; every one has a production default. */
    public static final class Builder implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        private long maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private Duration missingObjectTimeout = DEFAULT_MISSING_OBJECT_TIMEOUT;
        private Duration deniedLimit = Duration.ZERO;
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

        /** Wait after the first failed open or read; doubles (with jitter) for each further one. */
        public Builder initialBackoff(Duration backoff) {
            if (backoff.isNegative()) {
                throw new IllegalArgumentException("initialBackoff must not be negative: " + backoff);
            }
            this.initialBackoff = backoff;
            return this;
        }

        /** Longest wait between two attempts on one object. */
        public Builder maxBackoff(Duration backoff) {
            if (backoff.isNegative()) {
                throw new IllegalArgumentException("maxBackoff must not be negative: " + backoff);
            }
            this.maxBackoff = backoff;
            return this;
        }

        /** How long an object must answer "not found" before it becomes {@code unreadable-object}. */
        public Builder missingObjectTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("missingObjectTimeout must not be negative: " + timeout);
            }
            this.missingObjectTimeout = timeout;
            return this;
        }

        /**
         * Longest a permission or credential error may block one object before the reader fails
         * instead of waiting on (zero, the default: wait forever). For bounded jobs, which should
         * finish or stop with the reason rather than wait unseen.
         */
        public Builder deniedLimit(Duration limit) {
            if (limit.isNegative()) {
                throw new IllegalArgumentException("deniedLimit must not be negative: " + limit);
            }
            this.deniedLimit = limit;
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
            // A copy, so changing this builder later does not change the format.
            Builder copy = new Builder();
            copy.maxRecordBytes = maxRecordBytes;
            copy.initialBackoff = initialBackoff;
            copy.maxBackoff = maxBackoff;
            copy.missingObjectTimeout = missingObjectTimeout;
            copy.deniedLimit = deniedLimit;
            copy.batchBytes = batchBytes;
            copy.batchRecords = batchRecords;
            copy.verifyMemberBytes = verifyMemberBytes;
            copy.opener = opener;
            return new FirehoseObjectFormat(copy, null, null);
        }
    }
}
