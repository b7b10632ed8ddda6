package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.ArrayResultIterator;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one object for {@link FirehoseObjectFormat}. Each record's position is "skip this many
 * records" ({@link CheckpointedPosition#NO_OFFSET}): gzip has no seekable offsets, so a restore
 * re-reads the object and skips. Storage errors never get here: {@link StorageInputStream} retries
 * them below the gzip layer and resumes at the byte it stopped at; only an object gone for good
 * (or, in a bounded job, denied for too long) ends the read early.
 */
final class FirehoseObjectReader implements BulkFormat.Reader<ObjectRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(FirehoseObjectReader.class);

    private final FirehoseObjectFormat format;
    private final Path path;
    private final String objectKey;
    private final long length;
    private final StorageRetry retry;
    /** Records already delivered (or skipped on restore): the index of the next one. */
    private long delivered;
    private long failures;
    private final long restoredSkip;

    private StorageInputStream raw;
    private DecompressingInputStream stream;
    private JsonValueFramer framer;
    private boolean done;

    FirehoseObjectReader(FirehoseObjectFormat format, Path path, long length, long recordsToSkip, StorageRetry retry) {
        this.format = format;
        this.path = path;
        this.objectKey = path.toString();
        this.length = length;
        this.delivered = recordsToSkip;
        this.restoredSkip = recordsToSkip;
        this.retry = retry;
    }

    @Override
    public BulkFormat.RecordIterator<ObjectRecord> readBatch() throws IOException {
        if (done) {
            return null;
        }
        long skipBefore = delivered;
        List<ObjectRecord> batch = new ArrayList<>();
        long bytes = 0;
        while (batch.size() < format.batchRecords() && bytes < format.batchBytes()) {
            ObjectRecord r = nextRecord();
            if (r == null) {
                finish();
                break;
            }
            batch.add(r);
            bytes += r.payload == null ? 0 : r.payload.length;
        }
        if (batch.isEmpty()) {
            return null;
        }
        ArrayResultIterator<ObjectRecord> it = new ArrayResultIterator<>();
        it.set(batch.toArray(new ObjectRecord[0]), batch.size(), CheckpointedPosition.NO_OFFSET, skipBefore);
        return it;
    }

    private ObjectRecord nextRecord() throws IOException {
        if (done) {
            return null;
        }
        try {
            if (framer == null) {
                open();
            }
            FramedValue item = framer.next();
            if (item == null) {
                return null;
            }
            ObjectRecord r = item.toRecord(objectKey, delivered++);
            if (r.isFailure()) {
                failures++;
                // DEBUG: the decoder logs each dead letter at WARN, rate-limited; an object of garbage
                // would otherwise log a line per bad record here.
                LOG.debug("Object {} record {} at offset {}: {} ({})", objectKey, r.index, r.offset, r.failure, r.detail);
            }
            return r;
        } catch (ObjectMissingException e) {
            done = true;
            failures++;
            LOG.warn("Object {} is gone: {}; {} records were delivered before", objectKey, e.getMessage(), delivered);
            closeStream();
            return ObjectRecord.failure(objectKey, delivered++, -1, DeadLetterReason.UNREADABLE_OBJECT,
                    e.getMessage() + "; " + (delivered - 1) + " records delivered before", new byte[0]);
        } catch (ObjectDeniedException e) {
            closeStream();
            LOG.error(e.getMessage());
            // A restart would meet the same denial: fail the job, not the task, and say why. The
            // cause keeps no stack trace of S3A's, only the line above.
            throw new SuppressRestartsException(new java.io.IOException(e.getMessage()));
        } catch (ObjectReadException e) {
            closeStream();
            if (StorageRetry.isInterrupt(e)) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("reading " + objectKey + " interrupted");
            }
            throw e;
        }
    }

    /** Opens the object and frames past the records already delivered, the way a restore does. */
    private void open() throws IOException {
        raw = new StorageInputStream(format.opener(), path, length, retry);
        stream = new DecompressingInputStream(raw, format.verifyMemberBytes());
        framer = new JsonValueFramer(stream, format.maxRecordBytes());
        for (long i = 0; i < delivered; i++) {
            if (framer.next() == null) {
                break;
            }
        }
    }

    private void finish() {
        if (!done) {
            done = true;
            LOG.info("Object {} read: {} records ({} failures, {} skipped on restore), {} gzip layers, {} bytes decompressed, {} storage retries",
                    objectKey, delivered, failures, restoredSkip, stream == null ? 0 : stream.layers(),
                    framer == null ? 0 : framer.position(), retry.retries());
        }
        closeStream();
    }

    private void closeStream() {
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException e) {
                LOG.debug("Closing {} failed", objectKey, e);
            }
        }
        retry.release();
        raw = null;
        stream = null;
        framer = null;
    }

    @Override
    public void close() {
        closeStream();
    }
}
