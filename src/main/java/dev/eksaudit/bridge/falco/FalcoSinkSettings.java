package dev.eksaudit.bridge.falco;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Validated settings of one sink, shipped to every writer. Built only by {@link FalcoSinkBuilder}. */
public final class FalcoSinkSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    final List<URI> urls;
    final boolean dryRun;
    final int maxBatchEvents;
    final long maxBatchBytes;
    final long maxBodyBytes;
    final Duration maxBatchDelay;
    final Duration requestTimeout;
    final Duration connectTimeout;
    final Duration initialBackoff;
    final Duration maxBackoff;
    final int maxAttempts;
    final int maxInFlight;
    final long maxBufferBytes;
    /** Null: retry forever. */
    final Duration boundedGiveUpAfter;
    final String tlsCaFile;
    final boolean insecureSkipVerify;
    final String authHeaderFile;
    final Duration authRecheckInterval;
    final String deadLetterPath;
    /** {@code input.progress-path}, or null. */
    final String progressPath;

    FalcoSinkSettings(FalcoSinkBuilder b) {
        this.urls = List.copyOf(b.urls);
        this.dryRun = b.dryRun;
        this.maxBatchEvents = b.maxBatchEvents;
        this.maxBatchBytes = b.maxBatchBytes;
        this.maxBodyBytes = b.maxBodyBytes;
        this.maxBatchDelay = b.maxBatchDelay;
        this.requestTimeout = b.requestTimeout;
        this.connectTimeout = b.connectTimeout;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.maxAttempts = b.maxAttempts;
        this.maxInFlight = b.maxInFlight;
        this.maxBufferBytes = b.maxBufferBytes != null
                ? b.maxBufferBytes
                : defaultBufferBytes(batchBytesLimit(b.maxBatchBytes, b.maxBodyBytes, b.maxBatchEvents), b.maxInFlight);
        this.boundedGiveUpAfter = b.boundedGiveUpAfter;
        this.tlsCaFile = b.tlsCaFile;
        this.insecureSkipVerify = b.insecureSkipVerify;
        this.authHeaderFile = b.authHeaderFile;
        this.authRecheckInterval = b.authRecheckInterval;
        this.deadLetterPath = b.deadLetterPath;
        this.progressPath = b.progressPath;
    }

    /**
     * Bytes of events AsyncSink may put in one batch: the configured limit, shrunk so that the body
     * with its envelope and commas still fits under Falco's body limit.
     */
    long batchBytesLimit() {
        return batchBytesLimit(maxBatchBytes, maxBodyBytes, maxBatchEvents);
    }

    static long batchBytesLimit(long maxBatchBytes, long maxBodyBytes, int maxBatchEvents) {
        return Math.min(maxBatchBytes, maxBodyBytes - FalcoBatchBody.overhead(maxBatchEvents));
    }

    /**
     * {@code (max-in-flight + 1) x batch limit}: a full batch for every POST slot that frees up plus
     * one forming, so POSTs stay full; 20 MB with the defaults (4 x 4 MB in flight besides).
     */
    static long defaultBufferBytes(long batchBytesLimit, int maxInFlight) {
        return batchBytesLimit * (Math.max(1, maxInFlight) + 1L);
    }

    /**
     * How long AsyncSink lets one submission run before it re-queues the entries itself. One
     * submission is at most a POST per URL plus one backoff (and halves after a 413-like answer),
     * so this is set well above that; it only guards against a lost callback.
     */
    long asyncSinkTimeoutMs() {
        long perPost = requestTimeout.toMillis();
        return perPost * Math.max(2, urls.size() + 1) * 2 + maxBackoff.toMillis() + 60_000L;
    }
}
