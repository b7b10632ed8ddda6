package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.deadletter.DeadLetter;
import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import dev.eksaudit.bridge.decode.AuditEvent;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.util.TimeUtils;
import org.apache.flink.util.concurrent.ExecutorThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery logic of the Falco sink. AsyncSink hands over a batch; this writer POSTs it and lets
 * {@link FalcoResponseClassifier} say what the answer means: delivered; retry with backoff
 * (failing over between URLs); an endpoint problem (retried forever, the URL's
 * {@code endpointFailing} gauge set, never a dead letter); or a rejection that may depend on the
 * events, for which the batch is split until the rejected events stand alone and only those
 * become dead letters. Every submission ends in bounded time: success, dead letters, or - after
 * waiting the backoff while still holding the in-flight slot (backpressure) - the entries handed
 * back with {@code retryForEntries} so a checkpoint can pass and store them.
 *
 * <p>{@link FalcoAsyncSinkWriter} (one per Flink major version) keeps the account of AsyncSink's
 * buffer, which differs between 1.20 and 2.x; everything here is the same on both.
 */
public class FalcoSinkWriter extends FalcoAsyncSinkWriter {

    private static final Logger LOG = LoggerFactory.getLogger(FalcoSinkWriter.class);
    private static volatile boolean insecureWarned;
    /** A repeating failure logs one line per key and minute. */
    static final long LOG_INTERVAL_MS = 60_000L;

    private final FalcoSinkSettings settings;
    private final FalcoRateLimit rateLimit;
    private final long batchBytesLimit;
    private final FalcoBackoff backoff;
    private final FalcoEndpoints endpoints;
    private final FalcoDeadLetterWriter deadLetters;
    /** Backoff waits, request deadlines and dead-letter writes: never on the mailbox or I/O threads. */
    private final ScheduledExecutorService worker;
    private final FalcoHttpClient http;
    private final FalcoResponseClassifier classifier = FalcoResponseClassifier.DEFAULT;
    private final FalcoLogThrottle logThrottle = new FalcoLogThrottle(LOG_INTERVAL_MS);
    private final FalcoLogThrottle traceThrottle = new FalcoLogThrottle(10 * LOG_INTERVAL_MS);

    private final Counter eventsSent;
    private final Counter batchesSent;
    private final Counter retries;
    private final MetricGroup deadLetterGroup;
    private final ConcurrentHashMap<String, Counter> deadLetterCounters = new ConcurrentHashMap<>();
    /** Flink's standard error counter of a sink: dead letters are records that did not go out. */
    private final Counter numRecordsOutErrors;
    private final Histogram requestLatencyMs;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final EventTimeLag eventTimeLag = new EventTimeLag(System::currentTimeMillis);
    private final ClusterDeliveries clusterDeliveries;

    private final MailboxExecutor mailbox;
    /** The sink's part of each progress record ({@code input.progress-path}); null when none are written. */
    private final FalcoProgressPart progress;
    private final int maxBufferedEntries;
    private final long maxBufferBytes;

    public FalcoSinkWriter(
            ElementConverter<AuditEvent, FalcoRequestEntry> converter,
            WriterInitContext context,
            FalcoSinkSettings settings,
            Collection<BufferedRequestState<FalcoRequestEntry>> state)
            throws IOException {
        this(converter, context, settings, state, new FalcoRateLimit(settings.maxInFlight, settings.maxBatchEvents));
    }

    private FalcoSinkWriter(
            ElementConverter<AuditEvent, FalcoRequestEntry> converter,
            WriterInitContext context,
            FalcoSinkSettings settings,
            Collection<BufferedRequestState<FalcoRequestEntry>> state,
            FalcoRateLimit rateLimit)
            throws IOException {
        super(converter,
                new FalcoDrainAwareContext(context, rateLimit, settings.maxBatchDelay.toMillis()),
                configuration(settings, rateLimit),
                state,
                settings.batchBytesLimit());
        this.rateLimit = rateLimit;
        this.settings = settings;
        this.batchBytesLimit = settings.batchBytesLimit();
        this.mailbox = context.getMailboxExecutor();
        this.maxBufferedEntries = FalcoSink.bufferedLimit(settings);
        this.maxBufferBytes = settings.maxBufferBytes;
        this.backoff = new FalcoBackoff(settings.initialBackoff, settings.maxBackoff);
        this.endpoints = new FalcoEndpoints(settings.urls, backoff);
        this.deadLetters = new FalcoDeadLetterWriter(
                settings.deadLetterPath, context.getTaskInfo().getIndexOfThisSubtask());
        ScheduledThreadPoolExecutor worker = new ScheduledThreadPoolExecutor(1, new ExecutorThreadFactory("falco-sink-worker"));
        // Every POST schedules its deadline; cancelled ones must not pile up for 30 s each.
        worker.setRemoveOnCancelPolicy(true);
        this.worker = worker;
        if (settings.insecureSkipVerify && !insecureWarned) {
            insecureWarned = true;
            LOG.warn("falco.tls.insecure-skip-verify is true: Falco's certificate and host name are NOT checked");
        }
        this.http = settings.dryRun ? null : new FalcoHttpClient(settings, worker);

        MetricGroup metrics = context.metricGroup();
        this.eventsSent = metrics.counter("eventsSent", new ThreadSafeSimpleCounter());
        this.batchesSent = metrics.counter("batchesSent", new ThreadSafeSimpleCounter());
        this.retries = metrics.counter("retries", new ThreadSafeSimpleCounter());
        this.deadLetterGroup = metrics.addGroup("deadLetters");
        this.numRecordsOutErrors = context.metricGroup().getNumRecordsOutErrorsCounter();
        for (URI url : settings.urls) {
            // One gauge per URL, the URL a metric variable (Prometheus label "url"), for alerting.
            metrics.addGroup("url", url.toString()).gauge("endpointFailing", () -> endpoints.failing(url) ? 1 : 0);
        }
        this.requestLatencyMs = metrics.histogram("requestLatencyMs", new DescriptiveStatisticsHistogram(1000));
        metrics.gauge("inFlightRequests", inFlight::get);
        metrics.gauge("eventTimeLagMs", eventTimeLag);
        this.clusterDeliveries = new ClusterDeliveries(metrics, System::currentTimeMillis);
        this.progress = settings.progressPath == null ? null : new FalcoProgressPart(settings.progressPath,
                context.getTaskInfo().getIndexOfThisSubtask(), context.getTaskInfo().getNumberOfParallelSubtasks(), metrics);
        metrics.gauge("bufferedEvents", this::bufferedEntries);
        metrics.gauge("bufferedBytes", this::bufferedBytes);
        if (settings.boundedGiveUpAfter != null && !settings.dryRun) {
            long afterMs = settings.boundedGiveUpAfter.toMillis();
            FalcoGiveUp giveUp = new FalcoGiveUp(afterMs);
            long period = Math.max(100, Math.min(1000, afterMs / 4));
            worker.scheduleAtFixedRate(() -> checkGiveUp(giveUp), period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** Bounded jobs only (on the worker): end the job, without restarts, once Falco stayed unreachable. */
    private void checkGiveUp(FalcoGiveUp giveUp) {
        int waiting = bufferedEntries() + inFlight.get();
        if (giveUp.check(System.currentTimeMillis(), eventsSent.getCount(), retries.getCount(), waiting > 0)) {
            String message = "Falco unreachable: no POST succeeded for "
                    + TimeUtils.formatWithHighestUnit(settings.boundedGiveUpAfter)
                    + " (falco.bounded-give-up-after) while POSTs failed; ending the bounded job with events still waiting";
            LOG.error(message);
            getFatalExceptionCons().accept(new SuppressRestartsException(new FalcoUnreachableException(message)));
        }
    }

    static AsyncSinkWriterConfiguration configuration(FalcoSinkSettings s, FalcoRateLimit rateLimit) {
        return AsyncSinkWriterConfiguration.builder()
                .setMaxBatchSize(s.maxBatchEvents)
                .setMaxBatchSizeInBytes(s.batchBytesLimit())
                .setMaxInFlightRequests(s.maxInFlight)
                .setMaxBufferedRequests(FalcoSink.bufferedLimit(s))
                .setMaxTimeInBufferMS(s.maxBatchDelay.toMillis())
                .setMaxRecordSizeInBytes(s.batchBytesLimit())
                .setRequestTimeoutMS(s.asyncSinkTimeoutMs())
                // A lost callback re-queues the entries rather than failing the job.
                .setFailOnTimeout(false)
                .setRateLimitingStrategy(rateLimit)
                .build();
    }

    /**
     * At a checkpoint ({@code endOfInput} false) AsyncSink waits until nothing is in flight. New
     * submissions are held back meanwhile (see {@link FalcoRateLimit}), so that wait is bounded by
     * one request timeout plus one backoff even while Falco is down; the entries handed back go
     * into the checkpoint. At end of input everything is sent as usual.
     */
    @Override
    public void flush(boolean endOfInput) throws InterruptedException {
        if (endOfInput) {
            super.flush(true);
            return;
        }
        rateLimit.draining(true);
        try {
            super.flush(false);
        } finally {
            rateLimit.draining(false);
        }
    }

    /** The buffer goes into the checkpoint; with progress records, which objects it holds goes beside it. */
    @Override
    public List<BufferedRequestState<FalcoRequestEntry>> snapshotState(long checkpointId) {
        List<BufferedRequestState<FalcoRequestEntry>> state = super.snapshotState(checkpointId);
        if (progress != null) {
            progress.write(checkpointId, state);
        }
        return state;
    }

    /**
     * Backpressure by bytes as well as by entries: AsyncSink's own loop in {@code write} counts
     * entries only, so 4,000 events of 256 KB would be 1 GB. Waiting here is AsyncSink's kind of
     * waiting (yielding to completions and timers on the mailbox); the entry is added once there is
     * room, so when {@code write} returns the buffer holds at most the limit plus one entry.
     * Entries handed back by a failed POST re-enter the buffer over the limit, as with AsyncSink's
     * entry limit, until the next POST takes them (at once, or after a draining checkpoint): they
     * were in flight just before, so the sink never holds more than the buffer limit plus one entry
     * plus {@code max-in-flight} batches.
     *
     * <p>While this waits, the task reads no input (the source backs off) and no checkpoint barrier
     * passes, aligned or unaligned: Flink handles barriers only between records, in mails of the
     * task's own priority that an operator's {@code yield()} never runs. The job therefore tolerates
     * checkpoints that expire during a long outage (see {@code JobEnvironment}).
     */
    @Override
    public void write(AuditEvent element, Context context) throws IOException, InterruptedException {
        while (bufferedEntries() >= maxBufferedEntries || bufferedBytes() >= maxBufferBytes) {
            mailbox.yield();
        }
        super.write(element, context);
    }

    /**
     * Capped at the batch limit so an oversize entry still forms a batch of its own (AsyncSink
     * would fail the job otherwise); {@link #submitRequestEntries} dead-letters it.
     */
    static long sizeOf(FalcoRequestEntry entry, long batchBytesLimit) {
        return Math.min(entry.length(), batchBytesLimit);
    }

    @Override
    protected void submitRequestEntries(List<FalcoRequestEntry> entries, ResultHandler<FalcoRequestEntry> handler) {
        takenFromBuffer(entries);
        inFlight.incrementAndGet();
        Round round = new Round();
        List<FalcoRequestEntry> sendable = new ArrayList<>(entries.size());
        for (FalcoRequestEntry e : entries) {
            if (e.length() > batchBytesLimit) {
                round.deadLetter(e, DeadLetterReason.OVERSIZE,
                        "event of " + e.length() + " bytes is over the batch limit of " + batchBytesLimit + " bytes");
            } else {
                sendable.add(e);
            }
        }
        if (settings.dryRun) {
            logDryRun(sendable);
            eventTimeLag.delivered(sendable);
            clusterDeliveries.delivered(sendable);
            worker.execute(() -> finish(round, handler));
            return;
        }
        deliver(sendable, round).whenComplete((ok, error) -> {
            if (error != null) {
                // A bug in our own code: re-queue everything rather than lose or duplicate-reject.
                // Once a minute, and the stack trace at most every ten minutes: a bug that repeats
                // must not bury the log.
                long now = System.currentTimeMillis();
                long skipped = logThrottle.admit("unexpected", now);
                if (skipped >= 0) {
                    if (traceThrottle.admit("unexpected", now) >= 0) {
                        LOG.error("Delivery failed unexpectedly; entries are re-queued", error);
                    } else {
                        LOG.error("Delivery failed unexpectedly ({}); entries are re-queued ({} more since the last line)",
                                error.toString(), skipped);
                    }
                }
                round.retry(sendable, error.toString(), 1);
            }
            worker.execute(() -> finish(round, handler));
        });
    }

    /** POSTs one batch, classifies the answer and acts on it; fills {@code round}. */
    private CompletableFuture<Void> deliver(List<FalcoRequestEntry> batch, Round round) {
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        URI url = endpoints.next(System.currentTimeMillis());
        byte[] body = FalcoBatchBody.build(batch);
        long start = System.nanoTime();
        return http.post(url, body).thenCompose(result -> {
            requestLatencyMs.update(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            switch (classifier.classify(result)) {
                case DELIVERED:
                    delivered(url, batch);
                    return CompletableFuture.completedFuture(null);
                case REJECTED:
                    return rejected(url, batch, body.length, result, round);
                case ENDPOINT_FAILING:
                    endpointFailing(url, result, "");
                    return retry(url, batch, result, round, false);
                default:
                    return retry(url, batch, result, round, true);
            }
        });
    }

    private void delivered(URI url, List<FalcoRequestEntry> batch) {
        if (endpoints.failing(url)) {
            LOG.info("Falco at {} accepts POSTs again", url);
        }
        endpoints.succeeded(url);
        eventsSent.inc(batch.size());
        eventTimeLag.delivered(batch);
        clusterDeliveries.delivered(batch);
        batchesSent.inc();
    }

    /**
     * A rejection that may depend on the events: halves until the rejected ones stand alone, and
     * those become dead letters - unless the URL has rejected so many lone events in a row that it
     * evidently rejects everything; then it is an endpoint problem and nothing is dead-lettered.
     */
    private CompletableFuture<Void> rejected(URI url, List<FalcoRequestEntry> batch, int bodyBytes,
            FalcoHttpClient.Result result, Round round) {
        if (endpoints.rejectsEverything(url)) {
            endpointFailing(url, result, " (rejected " + endpoints.maxLoneRejections()
                    + " events in a row one by one with no success in between: taken for an endpoint problem, "
                    + "nothing more is dead-lettered until a POST succeeds)");
            return retry(url, batch, result, round, false);
        }
        if (batch.size() > 1) {
            int half = batch.size() / 2;
            if (logThrottle.admit("split " + url, System.currentTimeMillis()) >= 0) {
                LOG.info("Falco at {} rejected a body of {} bytes with {} events ({}); splitting in halves to find the "
                        + "rejected events (logged once a minute)", url, bodyBytes, batch.size(), result.describeBriefly());
            }
            List<FalcoRequestEntry> first = new ArrayList<>(batch.subList(0, half));
            List<FalcoRequestEntry> second = new ArrayList<>(batch.subList(half, batch.size()));
            return deliver(first, round).thenCompose(v -> deliver(second, round));
        }
        if (!endpoints.loneRejection(url)) {
            // The bound was just passed: this event and everything after it are held.
            return rejected(url, batch, bodyBytes, result, round);
        }
        round.deadLetter(batch.get(0), DeadLetterReason.FALCO_REJECTED, result.describe());
        return CompletableFuture.completedFuture(null);
    }

    /** One ERROR line per URL and minute: status or error and URL, never a body or header value. */
    private void endpointFailing(URI url, FalcoHttpClient.Result result, String why) {
        endpoints.endpointFailing(url);
        long skipped = logThrottle.admit("endpoint " + url, System.currentTimeMillis());
        if (skipped >= 0) {
            LOG.error("Falco endpoint {} fails: {}{}; events are held and retried, not dead-lettered{}",
                    url, result.describeBriefly(), why, skipped > 0 ? " (" + skipped + " more since the last line)" : "");
        }
    }

    /**
     * Retried after a backoff, on another URL first if one is up. Only transient failures count
     * as attempts of the events (towards {@code falco.retry.max-attempts}): an endpoint problem
     * never dead-letters, and an event held through one still has all its attempts when Falco is
     * then merely down. The backoff grows with the URL's consecutive failures instead.
     */
    private CompletableFuture<Void> retry(URI url, List<FalcoRequestEntry> batch, FalcoHttpClient.Result result,
            Round round, boolean countsAttempts) {
        retries.inc();
        long now = System.currentTimeMillis();
        endpoints.failed(url, now);
        List<FalcoRequestEntry> again = new ArrayList<>(batch.size());
        for (FalcoRequestEntry e : batch) {
            FalcoRequestEntry failed = countsAttempts ? e.failedOnce() : e;
            if (countsAttempts && settings.maxAttempts > 0 && failed.attempts() >= settings.maxAttempts) {
                round.deadLetter(failed, DeadLetterReason.FALCO_UNREACHABLE,
                        "not delivered after " + failed.attempts() + " attempts, last: " + result.describe());
            } else {
                again.add(failed);
            }
        }
        if (!again.isEmpty() && endpoints.anyUp(now)) {
            if (logThrottle.admit("failover " + url, now) >= 0) {
                LOG.info("Falco at {} failed ({}); failing over (logged once a minute)", url, result.describeBriefly());
            }
            return deliver(again, round);
        }
        round.retry(again, url + ": " + result.describeBriefly(), endpoints.consecutiveFailures(url));
        return CompletableFuture.completedFuture(null);
    }

    /** On the worker thread: dead letters first (durably), then complete or back off and retry. */
    private void finish(Round round, ResultHandler<FalcoRequestEntry> handler) {
        try {
            deadLetters.write(round.deadLetters, round.deadLetterEntries);
        } catch (IOException | RuntimeException e) {
            // Neither delivered nor stored: fail so Flink restarts from the last checkpoint.
            inFlight.decrementAndGet();
            handler.completeExceptionally(new IOException("cannot write Falco dead letters", e));
            return;
        }
        for (DeadLetter d : round.deadLetters) {
            deadLetterCounters.computeIfAbsent(d.reason, code -> deadLetterGroup.counter(code, new ThreadSafeSimpleCounter()))
                    .inc();
        }
        numRecordsOutErrors.inc(round.deadLetters.size());
        if (round.retry.isEmpty()) {
            inFlight.decrementAndGet();
            handler.complete();
            return;
        }
        int attempts = Math.max(1, round.backoffAttempts);
        for (FalcoRequestEntry e : round.retry) {
            attempts = Math.max(attempts, e.attempts());
        }
        long delay = backoff.delayMs(attempts);
        long skipped = logThrottle.admit("retry", System.currentTimeMillis());
        if (skipped >= 0) {
            LOG.warn("Falco not reachable ({}); {} events retried in {} ms (attempt {}){}", round.lastError,
                    round.retry.size(), delay, attempts, skipped > 0 ? "; " + skipped + " more retries since the last line" : "");
        }
        // Holding the in-flight slot during the wait is the backpressure; handing the entries back
        // afterwards (instead of retrying here) lets a checkpoint pass and store them.
        worker.schedule(() -> {
            inFlight.decrementAndGet();
            handler.retryForEntries(round.retry);
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void logDryRun(List<FalcoRequestEntry> batch) {
        if (batch.isEmpty()) {
            return;
        }
        long bytes = 0;
        for (FalcoRequestEntry e : batch) {
            bytes += e.length();
        }
        LOG.info("Dry run: batch of {} events, {} bytes, first auditID {}, last auditID {}",
                batch.size(), bytes, batch.get(0).auditId(), batch.get(batch.size() - 1).auditId());
        // What would have been sent: counted as sent, so a dry run shows its throughput (README "Metrics").
        eventsSent.inc(batch.size());
        batchesSent.inc();
    }

    @Override
    public void close() {
        try {
            super.close();
        } finally {
            if (http != null) {
                http.close();
            }
            worker.shutdownNow();
        }
    }

    /** What one submission came to; filled from I/O threads, read on the worker. */
    private static final class Round {
        final List<DeadLetter> deadLetters = new ArrayList<>();
        final List<FalcoRequestEntry> deadLetterEntries = new ArrayList<>();
        final List<FalcoRequestEntry> retry = new ArrayList<>();
        String lastError;
        int backoffAttempts;

        synchronized void deadLetter(FalcoRequestEntry e, DeadLetterReason reason, String detail) {
            deadLetters.add(new DeadLetter(reason, e.objectKey(), -1, -1,
                    e.auditId() + "/" + e.stage() + ": " + detail, e.json()));
            deadLetterEntries.add(e);
        }

        synchronized void retry(List<FalcoRequestEntry> entries, String error, int failuresOfTheUrl) {
            backoffAttempts = Math.max(backoffAttempts, failuresOfTheUrl);
            retry.addAll(entries);
            lastError = error;
        }
    }
}
