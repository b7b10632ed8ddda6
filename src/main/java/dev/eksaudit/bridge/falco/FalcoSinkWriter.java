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
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriter;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
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
 * Delivery logic of the Falco sink. AsyncSink hands over a batch; this writer POSTs it, splits it
 * when Falco says the body is too large, fails over between URLs, and ends every submission in
 * bounded time: success, dead letters, or - after waiting the backoff while still holding the
 * in-flight slot (backpressure) - the entries handed back with {@code retryForEntries} so a
 * checkpoint can pass and store them.
 */
public class FalcoSinkWriter extends AsyncSinkWriter<AuditEvent, FalcoRequestEntry> {

    private static final Logger LOG = LoggerFactory.getLogger(FalcoSinkWriter.class);
    private static volatile boolean insecureWarned;

    private final FalcoSinkSettings settings;
    private final FalcoRateLimit rateLimit;
    private final long batchBytesLimit;
    private final FalcoBackoff backoff;
    private final FalcoEndpoints endpoints;
    private final FalcoDeadLetterWriter deadLetters;
    /** Backoff waits, request deadlines and dead-letter writes: never on the mailbox or I/O threads. */
    private final ScheduledExecutorService worker;
    private final FalcoHttpClient http;

    private final Counter eventsSent;
    private final Counter batchesSent;
    private final Counter retries;
    private final MetricGroup deadLetterGroup;
    private final ConcurrentHashMap<String, Counter> deadLetterCounters = new ConcurrentHashMap<>();
    private final Histogram requestLatencyMs;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final EventTimeLag eventTimeLag = new EventTimeLag(System::currentTimeMillis);
    private final ClusterDeliveries clusterDeliveries;

    private final MailboxExecutor mailbox;
    private final int maxBufferedEntries;
    private final long maxBufferBytes;
    /**
     * What waits in AsyncSink's buffer (not in flight), kept here because AsyncSink bounds only the
     * entry count and does not expose its buffer. Written on the mailbox thread, read by gauges.
     */
    private volatile int bufferedEntries;
    private volatile long bufferedBytes;

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
                state);
        this.rateLimit = rateLimit;
        this.settings = settings;
        this.batchBytesLimit = settings.batchBytesLimit();
        this.mailbox = context.getMailboxExecutor();
        this.maxBufferedEntries = FalcoSink.bufferedLimit(settings);
        this.maxBufferBytes = settings.maxBufferBytes;
        // AsyncSink put the restored entries into its buffer with their stored sizes.
        for (BufferedRequestState<FalcoRequestEntry> s : state) {
            for (RequestEntryWrapper<FalcoRequestEntry> w : s.getBufferedRequestEntries()) {
                bufferedEntries++;
                bufferedBytes += w.getSize();
            }
        }
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
        this.requestLatencyMs = metrics.histogram("requestLatencyMs", new DescriptiveStatisticsHistogram(1000));
        metrics.gauge("inFlightRequests", inFlight::get);
        metrics.gauge("eventTimeLagMs", eventTimeLag);
        this.clusterDeliveries = new ClusterDeliveries(metrics, System::currentTimeMillis);
        metrics.gauge("bufferedEvents", () -> bufferedEntries);
        metrics.gauge("bufferedBytes", () -> bufferedBytes);
        if (settings.boundedGiveUpAfter != null && !settings.dryRun) {
            long afterMs = settings.boundedGiveUpAfter.toMillis();
            FalcoGiveUp giveUp = new FalcoGiveUp(afterMs);
            long period = Math.max(100, Math.min(1000, afterMs / 4));
            worker.scheduleAtFixedRate(() -> checkGiveUp(giveUp), period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** Bounded jobs only (on the worker): end the job, without restarts, once Falco stayed unreachable. */
    private void checkGiveUp(FalcoGiveUp giveUp) {
        int waiting = bufferedEntries + inFlight.get();
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
        while (bufferedEntries >= maxBufferedEntries || bufferedBytes >= maxBufferBytes) {
            mailbox.yield();
        }
        super.write(element, context);
    }

    /**
     * Capped at the batch limit so an oversize entry still forms a batch of its own (AsyncSink
     * would fail the job otherwise); {@link #submitRequestEntries} dead-letters it.
     */
    static long sizeOf(FalcoRequestEntry entry, long batchBytesLimit) {
        return Math.min(entry.json().length, batchBytesLimit);
    }

    /**
     * AsyncSink calls this exactly once for every entry it puts into its buffer, new or handed back
     * (restored ones carry their size), so this is where the byte account grows; it shrinks when a
     * batch leaves the buffer in {@link #submitRequestEntries}. Everything else uses {@link #sizeOf}.
     */
    @Override
    protected long getSizeInBytes(FalcoRequestEntry entry) {
        long size = sizeOf(entry, batchBytesLimit);
        bufferedEntries++;
        bufferedBytes += size;
        return size;
    }

    /** A batch left AsyncSink's buffer for a POST. */
    private void takenFromBuffer(List<FalcoRequestEntry> batch) {
        long bytes = 0;
        for (FalcoRequestEntry e : batch) {
            bytes += sizeOf(e, batchBytesLimit);
        }
        bufferedEntries -= batch.size();
        bufferedBytes -= bytes;
    }

    @Override
    protected void submitRequestEntries(List<FalcoRequestEntry> entries, ResultHandler<FalcoRequestEntry> handler) {
        takenFromBuffer(entries);
        inFlight.incrementAndGet();
        Round round = new Round();
        List<FalcoRequestEntry> sendable = new ArrayList<>(entries.size());
        for (FalcoRequestEntry e : entries) {
            if (e.json().length > batchBytesLimit) {
                round.deadLetter(e, DeadLetterReason.OVERSIZE,
                        "event of " + e.json().length + " bytes is over the batch limit of " + batchBytesLimit + " bytes");
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
                LOG.error("Delivery failed unexpectedly; entries are re-queued", error);
                round.retry(sendable, error.toString());
            }
            worker.execute(() -> finish(round, handler));
        });
    }

    /** POSTs one batch and everything it turns into (halves, failover); fills {@code round}. */
    private CompletableFuture<Void> deliver(List<FalcoRequestEntry> batch, Round round) {
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        URI url = endpoints.next(System.currentTimeMillis());
        byte[] body = FalcoBatchBody.build(batch);
        long start = System.nanoTime();
        return http.post(url, body).thenCompose(result -> {
            requestLatencyMs.update(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            if (result.ok()) {
                endpoints.succeeded(url);
                eventsSent.inc(batch.size());
                eventTimeLag.delivered(batch);
                clusterDeliveries.delivered(batch);
                batchesSent.inc();
                return CompletableFuture.completedFuture(null);
            }
            if (result.bodyTooLarge() && batch.size() > 1) {
                int half = batch.size() / 2;
                LOG.info("Falco at {} found a body of {} bytes too large; splitting {} events in halves",
                        url, body.length, batch.size());
                List<FalcoRequestEntry> first = new ArrayList<>(batch.subList(0, half));
                List<FalcoRequestEntry> second = new ArrayList<>(batch.subList(half, batch.size()));
                return deliver(first, round).thenCompose(v -> deliver(second, round));
            }
            if (!result.retryable()) {
                LOG.warn("Falco at {} rejected a batch of {} events: {}", url, batch.size(), result.describe());
                for (FalcoRequestEntry e : batch) {
                    round.deadLetter(e, DeadLetterReason.FALCO_REJECTED, result.describe());
                }
                return CompletableFuture.completedFuture(null);
            }
            retries.inc();
            long now = System.currentTimeMillis();
            endpoints.failed(url, now);
            List<FalcoRequestEntry> again = new ArrayList<>(batch.size());
            for (FalcoRequestEntry e : batch) {
                FalcoRequestEntry failed = e.failedOnce();
                if (settings.maxAttempts > 0 && failed.attempts() >= settings.maxAttempts) {
                    round.deadLetter(failed, DeadLetterReason.FALCO_UNREACHABLE,
                            "not delivered after " + failed.attempts() + " attempts, last: " + result.describe());
                } else {
                    again.add(failed);
                }
            }
            if (!again.isEmpty() && endpoints.anyUp(now)) {
                LOG.info("Falco at {} failed ({}); failing over", url, result.describe());
                return deliver(again, round);
            }
            round.retry(again, url + ": " + result.describe());
            return CompletableFuture.completedFuture(null);
        });
    }

    /** On the worker thread: dead letters first (durably), then complete or back off and retry. */
    private void finish(Round round, ResultHandler<FalcoRequestEntry> handler) {
        try {
            deadLetters.write(round.deadLetters, round.deadLetterIds);
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
        if (round.retry.isEmpty()) {
            inFlight.decrementAndGet();
            handler.complete();
            return;
        }
        int attempts = 1;
        for (FalcoRequestEntry e : round.retry) {
            attempts = Math.max(attempts, e.attempts());
        }
        long delay = backoff.delayMs(attempts);
        LOG.warn("Falco unreachable ({}); {} events retried in {} ms (attempt {})",
                round.lastError, round.retry.size(), delay, attempts);
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
            bytes += e.json().length;
        }
        LOG.info("Dry run: batch of {} events, {} bytes, first auditID {}, last auditID {}",
                batch.size(), bytes, batch.get(0).auditId(), batch.get(batch.size() - 1).auditId());
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
        final List<String> deadLetterIds = new ArrayList<>();
        final List<FalcoRequestEntry> retry = new ArrayList<>();
        String lastError;

        synchronized void deadLetter(FalcoRequestEntry e, DeadLetterReason reason, String detail) {
            deadLetters.add(new DeadLetter(reason, e.objectKey(), -1, -1,
                    e.auditId() + "/" + e.stage() + ": " + detail, e.json()));
            deadLetterIds.add(e.auditId());
        }

        synchronized void retry(List<FalcoRequestEntry> entries, String error) {
            retry.addAll(entries);
            lastError = error;
        }
    }
}
