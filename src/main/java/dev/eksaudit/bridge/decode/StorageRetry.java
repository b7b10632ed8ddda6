package dev.eksaudit.bridge.decode;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.util.TimeUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the reader does after a storage failure of one object: classify it ({@link StorageError}),
 * count it, log it at the level it deserves at most once a minute, and wait (exponential backoff
 * with jitter, capped) before the next attempt. Nothing here gives up, with two exceptions: an
 * object answering "not found" for the whole missing-object timeout, and, when a limit is set (a
 * bounded job), a denial lasting longer than it.
 *
 * <p>The attempt count only drives the backoff, and any progress (a byte read) resets it, so
 * failures spread over a long object never add up.
 *
 * <p>Runs on Flink's split fetcher thread (FileSourceReader reads batches there, not on the task
 * thread), so waiting here never delays a checkpoint: the task thread keeps taking them from the
 * positions already emitted.
 */
final class StorageRetry {
    private static final Logger LOG = LoggerFactory.getLogger(StorageRetry.class);
    static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    static final long STACK_TRACE_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(10);
    /** One stack trace per TaskManager per interval: enough to see where, never a flood. */
    private static final AtomicLong LAST_STACK_TRACE = new AtomicLong(System.nanoTime() - STACK_TRACE_INTERVAL_NANOS);

    private final String objectKey;
    private final long initialBackoffMillis;
    private final long maxBackoffMillis;
    private final long missingTimeoutNanos;
    private final long deniedLimitNanos;
    private final StorageRetryMetrics metrics;
    private final ReaderClosing closing;

    /** Failures since the last progress. */
    private int attempts;
    private long retries;
    private long blockedSince;
    private boolean blocked;
    private boolean loud;
    private long notFoundSince;
    private boolean notFound;
    private long deniedSince;
    private boolean denied;
    private long lastLog;
    private boolean logged;

    StorageRetry(String objectKey, Duration initialBackoff, Duration maxBackoff, Duration missingTimeout,
            Duration deniedLimit, StorageRetryMetrics metrics) {
        this(objectKey, initialBackoff, maxBackoff, missingTimeout, deniedLimit, metrics, null);
    }

    /** @param closing the reader's: set, it ends the retries; null for none */
    StorageRetry(String objectKey, Duration initialBackoff, Duration maxBackoff, Duration missingTimeout,
            Duration deniedLimit, StorageRetryMetrics metrics, ReaderClosing closing) {
        this.closing = closing;
        this.objectKey = objectKey;
        this.initialBackoffMillis = initialBackoff.toMillis();
        this.maxBackoffMillis = Math.max(maxBackoff.toMillis(), initialBackoffMillis);
        this.missingTimeoutNanos = missingTimeout.toNanos();
        this.deniedLimitNanos = deniedLimit.toNanos();
        this.metrics = metrics;
    }

    /** Bytes arrived: the object is readable (again). */
    void progress() {
        if (!blocked) {
            return;
        }
        if (loud) {
            LOG.info("Object {} is readable again after {} ({} retries)", objectKey, since(blockedSince), retries);
        } else {
            LOG.debug("Object {} is readable again after {} ({} retries)", objectKey, since(blockedSince), retries);
        }
        attempts = 0;
        blocked = false;
        loud = false;
        notFound = false;
        denied = false;
        metrics.unblocked();
    }

    /**
     * A failed open or read at {@code position}: returns after the backoff, so the caller retries,
     * or throws {@link ObjectReadException} when the reader must stop.
     */
    void failed(Exception failure, long position) throws ObjectReadException {
        if (Thread.currentThread().isInterrupted() || closing != null && closing.isClosed()) {
            // Cancelled or failing over while S3A was inside a request: stop, do not retry.
            release();
            throw new ObjectReadException("interrupted", new InterruptedIOException("interrupted while reading"));
        }
        long now = System.nanoTime();
        StorageError error = StorageError.classify(failure);
        if (!blocked) {
            blocked = true;
            blockedSince = now;
            metrics.blocked();
        }
        attempts++;
        retries++;
        metrics.retried();
        track(error, now);

        if (notFound && now - notFoundSince >= missingTimeoutNanos) {
            release();
            throw new ObjectMissingException("not found: " + error.describe() + " for " + since(notFoundSince)
                    + " (input.missing-object-timeout " + format(missingTimeoutNanos) + ")"
                    + ", after " + retries + " retries at byte " + position, failure);
        }
        if (denied && deniedLimitNanos > 0 && now - deniedSince >= deniedLimitNanos) {
            release();
            throw new ObjectDeniedException("Object " + objectKey + " cannot be read: " + error.describe()
                    + " for " + since(deniedSince) + ", longer than a bounded job waits (input.denied-timeout "
                    + format(deniedLimitNanos) + "); stopping the job without restarts. Fix the bucket or KMS key "
                    + "policy or the credentials and run it again", failure);
        }
        long delay = delayMillis();
        log(error, failure, position, delay, now);
        sleep(delay, closing);
        if (closing != null && closing.isClosed()) {
            release();
            throw new ObjectReadException("reader closed", new InterruptedIOException("reader closed while waiting to retry"));
        }
    }

    private void track(StorageError error, long now) {
        // "Gone for good" needs an unbroken run of not-found answers; any other answer starts it over.
        if (error.kind() == StorageError.Kind.NOT_FOUND) {
            if (!notFound) {
                notFound = true;
                notFoundSince = now;
            }
        } else {
            notFound = false;
        }
        if (error.kind() == StorageError.Kind.DENIED) {
            if (!denied) {
                denied = true;
                deniedSince = now;
            }
        } else {
            denied = false;
        }
    }

    private void log(StorageError error, Exception failure, long position, long delay, long now) {
        boolean due = !logged || now - lastLog >= LOG_INTERVAL_NANOS;
        if (error.kind() == StorageError.Kind.TRANSIENT) {
            LOG.debug("Object {}: {} at byte {}, retry {} in {} ms", objectKey, error.describe(), position, retries, delay);
            // Throttling and resets are normal in S3; a WARN only when one object keeps failing.
            if (due && attempts >= 5) {
                markLogged(now);
                LOG.warn("Object {}: {} at byte {}, still retrying (for {}, {} retries)", objectKey,
                        error.describe(), position, since(blockedSince), retries);
            }
            return;
        }
        if (!due) {
            LOG.debug("Object {}: {} at byte {}, retry {} in {} ms", objectKey, error.describe(), position, retries, delay);
            return;
        }
        markLogged(now);
        loud = true;
        if (error.kind() == StorageError.Kind.NOT_FOUND) {
            LOG.warn("Object {} not found: {} at byte {}; retrying, it becomes an unreadable-object dead letter "
                    + "after {} of not found (so far {}, {} retries)", objectKey, error.describe(), position,
                    format(missingTimeoutNanos), since(notFoundSince), retries);
            return;
        }
        String line = "Object " + objectKey + " cannot be read: " + error.describe() + " at byte " + position
                + "; blocked for " + since(blockedSince) + " (" + retries + " retries), retrying every "
                + format(TimeUnit.MILLISECONDS.toNanos(maxBackoffMillis)) + " at most until "
                + (error.describe().contains("NoVersionAttributeException")
                        // S3A then also leaks a pooled connection per attempt: the fix is configuration.
                        ? "the store sends an ETag or fs.s3a.change.detection.version.required is false"
                        : "storage allows it (bucket policy, KMS key policy, credentials)");
        long lastTrace = LAST_STACK_TRACE.get();
        if (now - lastTrace >= STACK_TRACE_INTERVAL_NANOS && LAST_STACK_TRACE.compareAndSet(lastTrace, now)) {
            LOG.error(line, failure);
        } else {
            LOG.error(line);
        }
    }

    private void markLogged(long now) {
        logged = true;
        lastLog = now;
    }

    /** Equal jitter: at least half the exponential ceiling, so a denied object never hammers S3. */
    private long delayMillis() {
        if (initialBackoffMillis == 0) {
            return 0;
        }
        int shift = Math.min(Math.max(attempts, 1) - 1, 30);
        long ceiling = initialBackoffMillis << shift;
        if (ceiling <= 0 || ceiling > maxBackoffMillis) {
            ceiling = maxBackoffMillis;
        }
        long half = ceiling / 2;
        return half + ThreadLocalRandom.current().nextLong(ceiling - half + 1);
    }

    /** The reader is done with the object (read, dead-lettered, closed): no longer blocked. */
    void release() {
        if (blocked) {
            blocked = false;
            metrics.unblocked();
        }
    }

    long retries() {
        return retries;
    }

    private static String format(long nanos) {
        return TimeUtils.formatWithHighestUnit(Duration.ofNanos(nanos));
    }

    private static String since(long startNanos) {
        Duration d = Duration.ofNanos(System.nanoTime() - startNanos);
        return d.toMillis() < 1000 ? d.toMillis() + " ms" : (d.toMillis() / 100) / 10.0 + " s";
    }

    private static void sleep(long millis, ReaderClosing closing) throws ObjectReadException {
        if (millis <= 0) {
            return;
        }
        try {
            if (closing != null) {
                closing.await(millis);
            } else {
                Thread.sleep(millis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while waiting to retry");
            throw new ObjectReadException("interrupted while waiting to retry", interrupted);
        }
    }

    static boolean isInterrupt(IOException e) {
        return e.getCause() instanceof InterruptedIOException || e instanceof InterruptedIOException;
    }
}
