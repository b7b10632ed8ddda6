package dev.eksaudit.bridge.decode;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Set when a source reader closes (the job stops, is cancelled or fails over). Flink closes a
 * reader's split fetcher without interrupting it, and waits for it (30 s by default) before
 * giving up and leaving it running: an object blocked by a storage error would keep its fetcher
 * retrying against S3, forever, for a job that no longer exists. Retry waits end on this instead.
 */
public final class ReaderClosing {
    private final CountDownLatch closed = new CountDownLatch(1);

    public void close() {
        closed.countDown();
    }

    public boolean isClosed() {
        return closed.getCount() == 0;
    }

    /** Waits up to {@code millis}; true when the reader closed meanwhile. */
    boolean await(long millis) throws InterruptedException {
        return closed.await(millis, TimeUnit.MILLISECONDS);
    }
}
