package dev.eksaudit.bridge.decode;

import java.io.IOException;
import java.io.InputStream;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An object's raw bytes that survive storage errors: a failed open or read is handed to
 * {@link StorageRetry} (which waits, or decides the reader must stop), then the object is opened
 * again at the byte where the failure happened, so the layers above (gzip, framing) never notice.
 * Objects written by Firehose are never rewritten, so the bytes at a position do not change.
 *
 * <p>A body that ends before the object's listed length is a cut connection, not the end: it is
 * retried like a reset, unless a fresh open at that byte ends at once too (the object is shorter
 * than listed). Only {@link ObjectReadException} leaves this stream, for the cases where
 * the reader stops; the layers above pass it through untouched.
 */
final class StorageInputStream extends InputStream {
    private static final Logger LOG = LoggerFactory.getLogger(StorageInputStream.class);
    private final ObjectOpener opener;
    private final Path path;
    /** Length from the listing; -1 when unknown. */
    private final long expectedLength;
    private final StorageRetry retry;

    private InputStream in;
    private long position;
    /** The stream was opened at {@link #position} (a resume) and has given no byte yet. */
    private boolean freshOpen;
    private final byte[] one = new byte[1];

    StorageInputStream(ObjectOpener opener, Path path, long expectedLength, StorageRetry retry) {
        this.opener = opener;
        this.path = path;
        this.expectedLength = expectedLength;
        this.retry = retry;
    }

    /** Bytes handed out so far: where a re-open resumes. */
    long position() {
        return position;
    }

    @Override
    public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            try {
                if (in == null) {
                    in = opener.open(path, position, expectedLength);
                    freshOpen = true;
                }
                int n = in.read(b, off, len);
                if (n > 0) {
                    freshOpen = false;
                    position += n;
                    retry.progress();
                    return n;
                }
                if (n < 0) {
                    if (expectedLength >= 0 && position < expectedLength && !freshOpen) {
                        throw new TruncatedBodyException(position, expectedLength);
                    }
                    if (position < expectedLength) {
                        // A fresh open at this byte ends at once (S3 answers 416, S3A reads that as
                        // the end): the object really is shorter than listed, not a cut connection.
                        LOG.warn("Object {} ends at byte {}, before its listed length {}", path, position, expectedLength);
                    }
                    retry.progress();
                    return -1;
                }
            } catch (ObjectReadException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                closeQuietly();
                retry.failed(e, position);
            }
        }
    }

    @Override
    public int available() {
        try {
            return in == null ? 0 : in.available();
        } catch (IOException | RuntimeException e) {
            return 0; // the next read finds out and retries
        }
    }

    @Override
    public void close() {
        closeQuietly();
        retry.release();
    }

    private void closeQuietly() {
        if (in != null) {
            try {
                in.close();
            } catch (IOException | RuntimeException ignored) {
                // A broken connection; the next open starts a new one.
            }
            in = null;
        }
    }

    /** The body ended early: a connection cut that the storage client did not notice. */
    static final class TruncatedBodyException extends IOException {
        private static final long serialVersionUID = 1L;

        TruncatedBodyException(long position, long expected) {
            super("body ended at byte " + position + " of " + expected);
        }
    }
}
