package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.ArrayResultIterator;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one object for {@link FirehoseObjectFormat}. Each record's position is "skip this many
 * records" ({@link CheckpointedPosition#NO_OFFSET}): gzip has no seekable offsets, so a restore
 * re-reads the object and skips, the same way a storage error mid-object is retried.
 */
final class FirehoseObjectReader implements BulkFormat.Reader<ObjectRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(FirehoseObjectReader.class);

    private final FirehoseObjectFormat format;
    private final Path path;
    private final String objectKey;
    /** Records already delivered (or skipped on restore): the index of the next one. */
    private long delivered;
    private long failures;
    private final long restoredSkip;

    private DecompressingInputStream stream;
    private JsonValueFramer framer;
    private int failedAttempts;
    private boolean done;

    FirehoseObjectReader(FirehoseObjectFormat format, Path path, long recordsToSkip) {
        this.format = format;
        this.path = path;
        this.objectKey = path.toString();
        this.delivered = recordsToSkip;
        this.restoredSkip = recordsToSkip;
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
        while (!done) {
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
                    LOG.warn("Object {} record {} at offset {}: {} ({})", objectKey, r.index, r.offset, r.failure, r.detail);
                }
                return r;
            } catch (ObjectReadException e) {
                closeStream();
                failedAttempts++;
                if (failedAttempts >= format.readAttempts()) {
                    LOG.warn("Object {} unreadable after {} attempts, {} records delivered", objectKey, failedAttempts,
                            delivered, e);
                    done = true;
                    failures++;
                    return ObjectRecord.failure(objectKey, delivered++, -1, DeadLetterReason.UNREADABLE_OBJECT,
                            "unreadable after " + failedAttempts + " attempts: " + describe(e), new byte[0]);
                }
                long backoff = format.initialBackoffMillis() << Math.min(20, failedAttempts - 1);
                LOG.info("Object {} read attempt {} failed ({}), retrying in {} ms", objectKey, failedAttempts,
                        describe(e), backoff);
                sleep(backoff);
            }
        }
        return null;
    }

    /** Opens the object and frames past the records already delivered, the way a restore does. */
    private void open() throws IOException {
        InputStream raw;
        try {
            raw = format.opener().open(path);
        } catch (IOException e) {
            throw e instanceof ObjectReadException ? e : new ObjectReadException("cannot open " + objectKey, e);
        } catch (RuntimeException e) {
            throw new ObjectReadException("cannot open " + objectKey, e);
        }
        stream = new DecompressingInputStream(
                new StorageInputStream(raw, objectKey), format.verifyMemberBytes());
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
            LOG.info("Object {} read: {} records ({} failures, {} skipped on restore), {} gzip layers, {} bytes decompressed",
                    objectKey, delivered, failures, restoredSkip, stream == null ? 0 : stream.layers(),
                    framer == null ? 0 : framer.position());
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
        stream = null;
        framer = null;
    }

    private static String describe(Throwable e) {
        Throwable root = e.getCause() != null ? e.getCause() : e;
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private static void sleep(long millis) throws InterruptedIOException {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }

    @Override
    public void close() {
        closeStream();
    }
}
