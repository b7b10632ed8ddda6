package dev.eksaudit.bridge.falco;

import static dev.eksaudit.bridge.config.BridgeOptions.DLQ_PATH;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_CONNECT_TIMEOUT;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_AUTH_HEADER_FILE;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_AUTH_RECHECK_INTERVAL;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_BATCH_MAX_BYTES;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_BUFFER_MAX_BYTES;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_BATCH_MAX_DELAY;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_BATCH_MAX_EVENTS;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_BOUNDED_GIVE_UP_AFTER;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_DRY_RUN;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_MAX_BODY_BYTES;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_MAX_IN_FLIGHT;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_REQUEST_TIMEOUT;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_RETRY_INITIAL_BACKOFF;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_RETRY_MAX_ATTEMPTS;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_RETRY_MAX_BACKOFF;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_TLS_CA_FILE;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_TLS_INSECURE_SKIP_VERIFY;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_URL;
import static dev.eksaudit.bridge.config.BridgeOptions.INPUT_MODE;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.ConfigException;
import dev.eksaudit.bridge.config.InputMode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds a {@link FalcoSink}. Defaults are those of {@link dev.eksaudit.bridge.config.BridgeOptions};
 * {@link #build()} checks everything and names the config key in its one-line error.
 */
public final class FalcoSinkBuilder {

    List<URI> urls = new ArrayList<>();
    boolean dryRun = FALCO_DRY_RUN.defaultValue();
    int maxBatchEvents = FALCO_BATCH_MAX_EVENTS.defaultValue();
    long maxBatchBytes = FALCO_BATCH_MAX_BYTES.defaultValue().getBytes();
    long maxBodyBytes = FALCO_MAX_BODY_BYTES.defaultValue().getBytes();
    Duration maxBatchDelay = FALCO_BATCH_MAX_DELAY.defaultValue();
    Duration requestTimeout = FALCO_REQUEST_TIMEOUT.defaultValue();
    Duration connectTimeout = FALCO_CONNECT_TIMEOUT.defaultValue();
    Duration initialBackoff = FALCO_RETRY_INITIAL_BACKOFF.defaultValue();
    Duration maxBackoff = FALCO_RETRY_MAX_BACKOFF.defaultValue();
    int maxAttempts = FALCO_RETRY_MAX_ATTEMPTS.defaultValue();
    int maxInFlight = FALCO_MAX_IN_FLIGHT.defaultValue();
    /** Null: derived from the batch limit and in-flight count, see {@link FalcoSinkSettings#defaultBufferBytes}. */
    Long maxBufferBytes;
    /** Null: retry forever (continuous jobs). */
    Duration boundedGiveUpAfter;
    String tlsCaFile;
    boolean insecureSkipVerify = FALCO_TLS_INSECURE_SKIP_VERIFY.defaultValue();
    String authHeaderFile;
    Duration authRecheckInterval = FALCO_AUTH_RECHECK_INTERVAL.defaultValue();
    String deadLetterPath;
    String progressPath;

    FalcoSinkBuilder() {}

    /** Every {@code falco.*} key and {@code dlq.path}. */
    public static FalcoSinkBuilder fromConfig(BridgeConfig config) {
        FalcoSinkBuilder b = new FalcoSinkBuilder()
                .setUrls(config.falcoUrls())
                .setDryRun(config.get(FALCO_DRY_RUN))
                .setMaxBatchEvents(config.get(FALCO_BATCH_MAX_EVENTS))
                .setMaxBatchBytes(config.bytes(FALCO_BATCH_MAX_BYTES))
                .setMaxBodyBytes(config.bytes(FALCO_MAX_BODY_BYTES))
                .setMaxBatchDelay(config.get(FALCO_BATCH_MAX_DELAY))
                .setRequestTimeout(config.get(FALCO_REQUEST_TIMEOUT))
                .setConnectTimeout(config.get(FALCO_CONNECT_TIMEOUT))
                .setAuthRecheckInterval(config.get(FALCO_AUTH_RECHECK_INTERVAL))
                .setInitialBackoff(config.get(FALCO_RETRY_INITIAL_BACKOFF))
                .setMaxBackoff(config.get(FALCO_RETRY_MAX_BACKOFF))
                .setMaxAttempts(config.get(FALCO_RETRY_MAX_ATTEMPTS))
                .setMaxInFlight(config.get(FALCO_MAX_IN_FLIGHT))
                .setInsecureSkipVerify(config.get(FALCO_TLS_INSECURE_SKIP_VERIFY));
        config.getOptional(FALCO_BUFFER_MAX_BYTES).ifPresent(size -> b.setMaxBufferBytes(size.getBytes()));
        if (config.get(INPUT_MODE) == InputMode.BOUNDED) {
            b.setBoundedGiveUpAfter(config.get(FALCO_BOUNDED_GIVE_UP_AFTER));
        }
        config.getOptional(FALCO_TLS_CA_FILE).ifPresent(b::setTlsCaFile);
        config.getOptional(FALCO_AUTH_HEADER_FILE).ifPresent(b::setAuthHeaderFile);
        config.getOptional(DLQ_PATH).ifPresent(b::setDeadLetterPath);
        config.getOptional(dev.eksaudit.bridge.config.BridgeOptions.INPUT_PROGRESS_PATH).ifPresent(b::setProgressPath);
        return b;
    }

    public FalcoSinkBuilder setUrls(List<URI> urls) {
        this.urls = new ArrayList<>(urls);
        return this;
    }

    public FalcoSinkBuilder setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
        return this;
    }

    public FalcoSinkBuilder setMaxBatchEvents(int maxBatchEvents) {
        this.maxBatchEvents = maxBatchEvents;
        return this;
    }

    public FalcoSinkBuilder setMaxBatchBytes(long maxBatchBytes) {
        this.maxBatchBytes = maxBatchBytes;
        return this;
    }

    public FalcoSinkBuilder setMaxBodyBytes(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
        return this;
    }

    public FalcoSinkBuilder setMaxBatchDelay(Duration maxBatchDelay) {
        this.maxBatchDelay = maxBatchDelay;
        return this;
    }

    public FalcoSinkBuilder setRequestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
        return this;
    }

    /** How long opening a connection may take; separate from the request timeout. */
    public FalcoSinkBuilder setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
        return this;
    }

    public FalcoSinkBuilder setInitialBackoff(Duration initialBackoff) {
        this.initialBackoff = initialBackoff;
        return this;
    }

    public FalcoSinkBuilder setMaxBackoff(Duration maxBackoff) {
        this.maxBackoff = maxBackoff;
        return this;
    }

    /** 0 retries forever. */
    public FalcoSinkBuilder setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
        return this;
    }

    public FalcoSinkBuilder setMaxInFlight(int maxInFlight) {
        this.maxInFlight = maxInFlight;
        return this;
    }

    /**
     * Most bytes of events waiting in one subtask's buffer (POSTs in flight hold theirs besides);
     * {@code write()} backpressures at this or at the entry limit, whichever comes first.
     */
    public FalcoSinkBuilder setMaxBufferBytes(long maxBufferBytes) {
        this.maxBufferBytes = maxBufferBytes;
        return this;
    }

    /**
     * For bounded jobs: end the job (no restart) when no POST has succeeded for this long while
     * events wait and POSTs fail. Null (the default) retries forever, as a continuous job must.
     */
    public FalcoSinkBuilder setBoundedGiveUpAfter(Duration giveUpAfter) {
        this.boundedGiveUpAfter = giveUpAfter;
        return this;
    }

    /** PEM file of CA certificate(s) that replaces the JVM trust store; null for the JVM's. */
    public FalcoSinkBuilder setTlsCaFile(String tlsCaFile) {
        this.tlsCaFile = tlsCaFile;
        return this;
    }

    public FalcoSinkBuilder setInsecureSkipVerify(boolean insecureSkipVerify) {
        this.insecureSkipVerify = insecureSkipVerify;
        return this;
    }

    /**
     * File with one {@code Name: value} line sent as a header with every POST; null for none. Any
     * Flink file system: a local path, {@code file://} or {@code s3://}.
     */
    public FalcoSinkBuilder setAuthHeaderFile(String authHeaderFile) {
        this.authHeaderFile = authHeaderFile;
        return this;
    }

    /** How often the header file is checked for a change. */
    public FalcoSinkBuilder setAuthRecheckInterval(Duration authRecheckInterval) {
        this.authRecheckInterval = authRecheckInterval;
        return this;
    }

    /** Base directory of dead letters ({@code dlq.path}); null to count and log them only. */
    /**
     * {@code input.progress-path}: every checkpoint, each writer notes there which objects still
     * have events in its buffer (a progress record's sink part); null for none.
     */
    public FalcoSinkBuilder setProgressPath(String progressPath) {
        this.progressPath = progressPath;
        return this;
    }

    public FalcoSinkBuilder setDeadLetterPath(String deadLetterPath) {
        this.deadLetterPath = deadLetterPath;
        return this;
    }

    public FalcoSink build() {
        return new FalcoSink(validate());
    }

    FalcoSinkSettings validate() {
        if (urls == null) {
            throw fail(FALCO_URL.key(), "must not be null");
        }
        if (urls.isEmpty() && !dryRun) {
            throw fail(FALCO_URL.key(), "required unless " + FALCO_DRY_RUN.key() + " is true");
        }
        for (URI url : urls) {
            String scheme = url == null || url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw fail(FALCO_URL.key(), "'" + url + "' is not an http(s) URL");
            }
            if (url.getHost() == null) {
                throw fail(FALCO_URL.key(), "'" + url + "' has no host");
            }
        }
        if (maxBatchEvents < 1) {
            throw fail(FALCO_BATCH_MAX_EVENTS.key(), "must be at least 1, got " + maxBatchEvents);
        }
        if (maxBodyBytes < 1024) {
            throw fail(FALCO_MAX_BODY_BYTES.key(), "must be at least 1 kb, got " + maxBodyBytes + " bytes");
        }
        if (maxBatchBytes < 1 || maxBatchBytes > maxBodyBytes) {
            throw fail(FALCO_BATCH_MAX_BYTES.key(), "must be between 1 byte and " + FALCO_MAX_BODY_BYTES.key()
                    + " (" + maxBodyBytes + " bytes), got " + maxBatchBytes + " bytes");
        }
        if (maxBodyBytes - FalcoBatchBody.overhead(maxBatchEvents) < 1) {
            throw fail(FALCO_BATCH_MAX_EVENTS.key(), "too many events for " + FALCO_MAX_BODY_BYTES.key());
        }
        positive(FALCO_BATCH_MAX_DELAY.key(), maxBatchDelay);
        positive(FALCO_REQUEST_TIMEOUT.key(), requestTimeout);
        positive(FALCO_CONNECT_TIMEOUT.key(), connectTimeout);
        positive(FALCO_RETRY_INITIAL_BACKOFF.key(), initialBackoff);
        positive(FALCO_RETRY_MAX_BACKOFF.key(), maxBackoff);
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw fail(FALCO_RETRY_MAX_BACKOFF.key(), "must be at least " + FALCO_RETRY_INITIAL_BACKOFF.key());
        }
        if (maxAttempts < 0) {
            throw fail(FALCO_RETRY_MAX_ATTEMPTS.key(), "must be 0 (forever) or more, got " + maxAttempts);
        }
        if (maxInFlight < 1) {
            throw fail(FALCO_MAX_IN_FLIGHT.key(), "must be at least 1, got " + maxInFlight);
        }
        long batchLimit = FalcoSinkSettings.batchBytesLimit(maxBatchBytes, maxBodyBytes, maxBatchEvents);
        if (maxBufferBytes != null && maxBufferBytes < batchLimit) {
            // Smaller than one batch, a full buffer would wait for the batch timer instead of filling a POST.
            throw fail(FALCO_BUFFER_MAX_BYTES.key(), "must be at least one batch (" + FALCO_BATCH_MAX_BYTES.key()
                    + ", " + batchLimit + " bytes), got " + maxBufferBytes + " bytes");
        }
        if (boundedGiveUpAfter != null) {
            positive(FALCO_BOUNDED_GIVE_UP_AFTER.key(), boundedGiveUpAfter);
        }
        if (tlsCaFile != null && tlsCaFile.isBlank()) {
            throw fail(FALCO_TLS_CA_FILE.key(), "must not be blank");
        }
        if (tlsCaFile != null && insecureSkipVerify) {
            throw fail(FALCO_TLS_CA_FILE.key(), "cannot be combined with " + FALCO_TLS_INSECURE_SKIP_VERIFY.key());
        }
        if (authHeaderFile != null && authHeaderFile.isBlank()) {
            throw fail(FALCO_AUTH_HEADER_FILE.key(), "must not be blank");
        }
        positive(FALCO_AUTH_RECHECK_INTERVAL.key(), authRecheckInterval);
        if (deadLetterPath != null && deadLetterPath.isBlank()) {
            throw fail(DLQ_PATH.key(), "must not be blank");
        }
        return new FalcoSinkSettings(this);
    }

    private static void positive(String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw fail(key, "must be a positive duration, got " + value);
        }
    }

    private static ConfigException fail(String key, String message) {
        return new ConfigException(key + ": " + message);
    }
}
