package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.deadletter.DeadLetter;
import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import dev.eksaudit.bridge.summary.RunTotals;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns framed records into validated audit events: unwraps CloudWatch Logs envelopes (layouts
 * a-c) or takes bare events (layout d), skips health checks and other log streams, and sends
 * everything Falco would drop to {@link #DEAD_LETTERS} with a reason.
 */
public class CloudWatchLogsDecoder extends ProcessFunction<ObjectRecord, AuditEvent> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CloudWatchLogsDecoder.class);

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<DeadLetter>("dead-letters") {
        private static final long serialVersionUID = 1L;
    };

    public static final String DATA_MESSAGE = "DATA_MESSAGE";
    public static final String CONTROL_MESSAGE = "CONTROL_MESSAGE";

    /** Dead letters logged per {@link #LOG_WINDOW_MILLIS}; the counters see all of them. */
    static final int LOG_BURST = 20;
    static final long LOG_WINDOW_MILLIS = 10_000;

    private final String logStreamPrefix;
    private final long maxEventBytes;
    private final ClusterNames clusters;

    private transient EnvelopeReader envelopes;
    private transient AuditEventValidator validator;
    private transient Counter objectsRead;
    private transient Counter bytesRead;
    private transient Counter eventsDecoded;
    private transient Counter controlMessagesSkipped;
    private transient Counter otherStreamsSkipped;
    private transient Map<DeadLetterReason, Counter> deadLetters;
    private transient LongCounter objectsTotal;
    private transient Map<DeadLetterReason, LongCounter> deadLetterTotals;
    private transient Counter eventsWithoutCluster;
    private transient MetricGroup metrics;
    /** Per cluster name: its eventsDecoded counter and what its name inserts into an event. */
    private transient Map<String, Cluster> byCluster;
    private transient long logWindowStart;
    private transient int loggedInWindow;
    private transient long suppressed;

    /** Events forwarded untouched (no {@code annotations.cluster_name} added). */
    public CloudWatchLogsDecoder(String logStreamPrefix, long maxEventBytes) {
        this(logStreamPrefix, maxEventBytes, ClusterNames.untouched());
    }

    public CloudWatchLogsDecoder(String logStreamPrefix, long maxEventBytes, ClusterNames clusters) {
        if (logStreamPrefix == null) {
            throw new IllegalArgumentException("logStreamPrefix must not be null");
        }
        if (maxEventBytes < 1) {
            throw new IllegalArgumentException("maxEventBytes must be positive: " + maxEventBytes);
        }
        this.logStreamPrefix = logStreamPrefix;
        this.maxEventBytes = maxEventBytes;
        this.clusters = clusters;
    }

    @Override
    public void open(OpenContext openContext) {
        envelopes = new EnvelopeReader();
        validator = new AuditEventValidator(maxEventBytes);
        metrics = getRuntimeContext().getMetricGroup();
        byCluster = new HashMap<>();
        eventsWithoutCluster = metrics.counter("eventsWithoutCluster");
        objectsRead = metrics.counter("objectsRead");
        // Totals for the bounded run's summary line (accumulators come back with the job's result).
        objectsTotal = new LongCounter();
        getRuntimeContext().addAccumulator(RunTotals.OBJECTS, objectsTotal);
        deadLetterTotals = new EnumMap<>(DeadLetterReason.class);
        bytesRead = metrics.counter("bytesRead");
        eventsDecoded = metrics.counter("eventsDecoded");
        controlMessagesSkipped = metrics.counter("controlMessagesSkipped");
        otherStreamsSkipped = metrics.counter("otherStreamsSkipped");
        MetricGroup byReason = metrics.addGroup("deadLetters");
        deadLetters = new EnumMap<>(DeadLetterReason.class);
        // All it can produce up front, so dashboards show a 0 rather than no series; not the
        // sink's own reasons, which would be a counter here that is always 0.
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            if (!reason.sinkOnly()) {
                deadLetters.put(reason, byReason.counter(reason.code()));
                LongCounter total = new LongCounter();
                getRuntimeContext().addAccumulator(RunTotals.deadLetters(reason), total);
                deadLetterTotals.put(reason, total);
            }
        }
    }

    @Override
    public void processElement(ObjectRecord record, Context ctx, Collector<AuditEvent> out) {
        if (record.index == 0) {
            objectsRead.inc();
            objectsTotal.add(1);
        }
        byte[] payload = record.payload == null ? new byte[0] : record.payload;
        bytesRead.inc(payload.length);

        if (record.isFailure()) {
            deadLetter(ctx, new DeadLetter(reasonOf(record.failure), record.objectKey, record.index, record.offset,
                    record.detail, payload));
            return;
        }
        EnvelopeReader.Record parsed = envelopes.read(payload);
        switch (parsed.kind) {
            case ENVELOPE:
                envelope(record, parsed, ctx, out);
                break;
            case EVENT:
                // Parsed once already, as one complete object: validate from the fields read then.
                emit(record, null, payload, null, validator.validateParsed(payload, parsed.eventFields, record.objectKey),
                        ctx, out);
                break;
            case UNKNOWN:
                deadLetter(ctx, letter(DeadLetterReason.UNKNOWN_RECORD, record, parsed.detail, payload));
                break;
            default:
                deadLetter(ctx, letter(DeadLetterReason.NOT_JSON, record, parsed.detail, payload));
                break;
        }
    }

    private void envelope(ObjectRecord record, EnvelopeReader.Record envelope, Context ctx, Collector<AuditEvent> out) {
        if (CONTROL_MESSAGE.equals(envelope.messageType)) {
            controlMessagesSkipped.inc();
            return;
        }
        if (!DATA_MESSAGE.equals(envelope.messageType)) {
            deadLetter(ctx, letter(DeadLetterReason.UNKNOWN_RECORD, record,
                    "envelope with an unknown messageType", record.payload));
            return;
        }
        if (envelope.logStream == null || !envelope.logStream.startsWith(logStreamPrefix)) {
            otherStreamsSkipped.inc();
            return;
        }
        if (envelope.logEvents == null) {
            deadLetter(ctx, letter(DeadLetterReason.UNKNOWN_RECORD, record,
                    "DATA_MESSAGE without a logEvents array", record.payload));
            return;
        }
        for (EnvelopeReader.LogEvent logEvent : envelope.logEvents) {
            if (logEvent.message == null) {
                deadLetter(ctx, letter(DeadLetterReason.NOT_AUDIT_EVENT, record,
                        logEvent.describe() + ": no message string", new byte[0]));
            } else {
                emit(record, envelope, logEvent.message, logEvent, validator.validate(logEvent.message, record.objectKey),
                        ctx, out);
            }
        }
    }

    private void emit(ObjectRecord record, EnvelopeReader.Record envelope, byte[] json, EnvelopeReader.LogEvent logEvent,
            AuditEventValidator.Result result, Context ctx, Collector<AuditEvent> out) {
        if (!result.isValid()) {
            String detail = logEvent == null ? result.detail : logEvent.describe() + ": " + result.detail;
            deadLetter(ctx, letter(result.reason, record, detail, json));
            return;
        }
        AuditEvent event = result.event;
        ClusterTagger.Place place = result.place;
        String name = place.hasClusterName
                ? place.clusterName // the event's own name wins
                : resolveCluster(record.objectKey,
                        envelope == null ? null : envelope.logGroup, envelope == null ? null : envelope.owner);
        Cluster cluster = name == null ? null : cluster(name);
        if (cluster != null && clusters.tagging && !place.hasClusterName) {
            ClusterTagger.Splice splice = ClusterTagger.Splice.of(place, cluster.inserts);
            if (splice == null) {
                cluster = null; // annotations is neither an object nor null: left as it is
            } else if (splice.length(json) > maxEventBytes) {
                String detail = "event of " + splice.length(json) + " bytes with annotations.cluster_name is over "
                        + maxEventBytes;
                deadLetter(ctx, letter(DeadLetterReason.OVERSIZE, record,
                        logEvent == null ? detail : logEvent.describe() + ": " + detail, json));
                return;
            } else {
                // Spliced by the sink as it copies the event into a request body.
                event.spliceAt = splice.at;
                event.spliceCut = splice.cut;
                event.splice = splice.insert;
            }
        }
        eventsDecoded.inc();
        if (cluster == null) {
            eventsWithoutCluster.inc();
        } else {
            event.cluster = cluster.name;
            cluster.eventsDecoded.inc();
        }
        out.collect(event);
    }

    // The last resolution: every event of an object (and of an envelope) has the same key, log
    // group and owner, and resolving (path match, regex, format) cost more than the event's check.
    private transient boolean resolved;
    private transient String resolvedKey;
    private transient String resolvedGroup;
    private transient String resolvedOwner;
    private transient String resolvedName;

    private String resolveCluster(String objectKey, String logGroup, String owner) {
        if (!resolved || !Objects.equals(objectKey, resolvedKey) || !Objects.equals(logGroup, resolvedGroup)
                || !Objects.equals(owner, resolvedOwner)) {
            resolvedName = clusters.resolve(objectKey, logGroup, owner);
            resolvedKey = objectKey;
            resolvedGroup = logGroup;
            resolvedOwner = owner;
            resolved = true;
        }
        return resolvedName;
    }

    /** Registered on first sight: metric group {@code cluster=<name>}, a Prometheus label. */
    private Cluster cluster(String name) {
        Cluster c = byCluster.get(name);
        if (c == null) {
            c = new Cluster(name, new ClusterTagger.Inserts(ClusterTagger.quote(name)),
                    metrics.addGroup("cluster", name).counter("eventsDecoded"));
            byCluster.put(name, c);
        }
        return c;
    }

    private static final class Cluster {
        final String name;
        final ClusterTagger.Inserts inserts;
        final Counter eventsDecoded;

        Cluster(String name, ClusterTagger.Inserts inserts, Counter eventsDecoded) {
            this.name = name;
            this.inserts = inserts;
            this.eventsDecoded = eventsDecoded;
        }
    }

    private static DeadLetter letter(DeadLetterReason reason, ObjectRecord record, String detail, byte[] payload) {
        return new DeadLetter(reason, record.objectKey, record.index, record.offset, detail, payload);
    }

    private void deadLetter(Context ctx, DeadLetter letter) {
        // A sink-only reason never reaches the decoder; counted as unknown-record if one ever did.
        DeadLetterReason reason = deadLetters.containsKey(reasonOf(letter.reason)) ? reasonOf(letter.reason) : DeadLetterReason.UNKNOWN_RECORD;
        deadLetters.get(reason).inc();
        deadLetterTotals.get(reason).add(1);
        ctx.output(DEAD_LETTERS, letter);
        logRateLimited(letter);
    }

    /** Key, position and reason only: payloads can hold Secret data. */
    private void logRateLimited(DeadLetter letter) {
        long now = System.currentTimeMillis();
        if (now - logWindowStart >= LOG_WINDOW_MILLIS) {
            if (suppressed > 0) {
                LOG.warn("{} more dead letters were not logged (see the deadLetters.* counters)", suppressed);
            }
            logWindowStart = now;
            loggedInWindow = 0;
            suppressed = 0;
        }
        if (loggedInWindow < LOG_BURST) {
            loggedInWindow++;
            LOG.warn("Dead letter {} from {} record {} at offset {}: {}", letter.reason, letter.objectKey,
                    letter.index, letter.offset, letter.detail);
        } else {
            suppressed++;
        }
    }

    /** The reason with this code; a code this build does not know is still a dead letter. */
    static DeadLetterReason reasonOf(String code) {
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            if (reason.code().equals(code)) {
                return reason;
            }
        }
        return DeadLetterReason.UNKNOWN_RECORD;
    }
}
