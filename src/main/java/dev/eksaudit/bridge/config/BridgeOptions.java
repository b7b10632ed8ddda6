package dev.eksaudit.bridge.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;

/**
 * Every option of the bridge: the public contract. Keys are never renamed; new ones are added.
 * Declared as Flink {@link ConfigOption}s so durations and sizes parse the way Flink users expect
 * ({@code 10 s}, {@code 1 h}, {@code 4 mb}).
 */
public final class BridgeOptions {

    public static final ConfigOption<String> INPUT_PATH = key("input.path")
            .stringType()
            .noDefaultValue()
            .withDescription("Required. Where Firehose writes: s3://bucket/prefix/ or file:///abs/dir/, with "
                    + "Firehose's default yyyy/MM/dd/HH/ folders below it, or the delivery stream's custom prefix as "
                    + "written, e.g. s3://bucket/eks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/; "
                    + "name=s3://bucket/prefix/ names the cluster of the events under it (annotations.cluster_name). "
                    + "A comma-separated list reads several paths in one job, each discovered on its own (its state keyed by the path without its name).");

    public static final ConfigOption<InputMode> INPUT_MODE = key("input.mode")
            .enumType(InputMode.class)
            .defaultValue(InputMode.CONTINUOUS)
            .withDescription("continuous (keep watching) or bounded (read what is there at start, then finish).");

    public static final ConfigOption<Duration> INPUT_DISCOVERY_INTERVAL = key("input.discovery-interval")
            .durationType()
            .defaultValue(Duration.ofSeconds(10))
            .withDescription("How often a continuous job lists the input path for new objects.");

    public static final ConfigOption<Duration> INPUT_LOOKBACK = key("input.lookback")
            .durationType()
            .defaultValue(Duration.ofHours(3))
            .withDescription("How many hours back each discovery lists (objects land in their hour folder up to "
                    + "~15 min late). At least 15 min plus input.discovery-interval.");

    public static final ConfigOption<Duration> INPUT_LATE_DISCOVERY_INTERVAL = key("input.late-discovery-interval")
            .durationType()
            .defaultValue(Duration.ofMinutes(5))
            .withDescription("How often a discovery is a late sweep over input.late-lookback instead of input.lookback.");

    public static final ConfigOption<Duration> INPUT_LATE_LOOKBACK = key("input.late-lookback")
            .durationType()
            .defaultValue(Duration.ofHours(25))
            .withDescription("How far back a late sweep lists: Firehose retries a failed S3 delivery for up to 24 h, "
                    + "then files the object under the hour of its oldest record. Object names are kept this long. "
                    + "At least input.lookback.");

    public static final ConfigOption<String> INPUT_PARTITION_TIMEZONE = key("input.partition-timezone")
            .stringType()
            .defaultValue("UTC")
            .withDescription("The time zone Firehose evaluates the prefix's !{timestamp:...} folders in (the "
                    + "delivery stream's CustomTimeZone), any zone id such as Asia/Kolkata or America/New_York.");

    public static final ConfigOption<String> INPUT_PARTITIONING = key("input.partitioning")
            .stringType()
            .defaultValue("firehose-hourly")
            .withDescription("firehose-hourly (time folders under input.path: lists only the folders of the "
                    + "lookback windows) or none (flat or unknown layout: lists everything, state grows).");

    public static final ConfigOption<String> INPUT_START = key("input.start")
            .stringType()
            .defaultValue("earliest")
            .withDescription("On first start: earliest (everything in the lookback window), latest (only objects "
                    + "that appear after start) or an ISO-8601 instant such as 2026-11-20T00:00:00Z.");

    public static final ConfigOption<String> INPUT_END = key("input.end")
            .stringType()
            .noDefaultValue()
            .withDescription("Bounded mode only: an ISO-8601 instant; with input.start, the hour folders to replay.");

    public static final ConfigOption<String> INPUT_PROGRESS_PATH = key("input.progress-path")
            .stringType()
            .noDefaultValue()
            .withDescription("Continuous mode: a folder (s3://bucket/prefix/ or file:///abs/dir/) where every "
                    + "checkpoint and savepoint leaves a small portable JSON record of what was read, for a job of "
                    + "another Flink version to start from with input.start-from. One job per folder.");

    public static final ConfigOption<String> INPUT_START_FROM = key("input.start-from")
            .stringType()
            .noDefaultValue()
            .withDescription("Continuous mode, a first start only (ignored when restoring a checkpoint or savepoint): "
                    + "a progress record (.../progress-<checkpoint>.json) or the input.progress-path folder of the job "
                    + "to continue (its newest record); discovery starts where that job stopped instead of input.start.");

    public static final ConfigOption<Duration> INPUT_MISSING_OBJECT_TIMEOUT = key("input.missing-object-timeout")
            .durationType()
            .defaultValue(Duration.ofMinutes(10))
            .withDescription("How long a listed object may answer 404 NoSuchKey (deleted after listing) before it "
                    + "becomes an unreadable-object dead letter. Every other storage error is retried forever.");

    public static final ConfigOption<Duration> INPUT_DENIED_TIMEOUT = key("input.denied-timeout")
            .durationType()
            .defaultValue(Duration.ofMinutes(2))
            .withDescription("Bounded mode only: a permission or credential error (403, KMS, STS) that blocks one "
                    + "object longer than this stops the job, without restarts, naming the key, status and S3 "
                    + "error code. A continuous job waits for the fix instead.");

    public static final ConfigOption<Duration> INPUT_RETRY_INITIAL_BACKOFF = key("input.retry.initial-backoff")
            .durationType()
            .defaultValue(Duration.ofSeconds(1))
            .withDescription("First wait after a failed S3 open or read; doubles per attempt, with jitter, and "
                    + "starts over once the read makes progress.");

    public static final ConfigOption<Duration> INPUT_RETRY_MAX_BACKOFF = key("input.retry.max-backoff")
            .durationType()
            .defaultValue(Duration.ofSeconds(30))
            .withDescription("Longest wait between two attempts on one object; also how soon reading resumes "
                    + "after a permission error is fixed.");

    public static final ConfigOption<String> DECODE_LOG_STREAM_PREFIX = key("decode.log-stream-prefix")
            .stringType()
            .defaultValue("kube-apiserver-audit-")
            .withDescription("Only CloudWatch Logs streams whose name starts with this carry audit events.");

    public static final ConfigOption<Boolean> CLUSTER_TAGGING = key("cluster.tagging")
            .booleanType()
            .defaultValue(true)
            .withDescription("true: every event gets annotations.cluster_name (Falco's ka.cluster.name): the input "
                    + "path's name, else the cluster of the log group /aws/eks/<cluster>/cluster; an event that "
                    + "has one keeps it. false: events are forwarded untouched (per-cluster metrics stay).");

    public static final ConfigOption<String> CLUSTER_NAME_FORMAT = key("cluster.name-format")
            .stringType()
            .defaultValue("{cluster}")
            .withDescription("The cluster name made from a log group: {cluster} is the EKS cluster, {account} "
                    + "the envelope's owner (AWS account), e.g. {account}/{cluster} when names repeat across accounts. "
                    + "Path names are used as written.");

    public static final ConfigOption<Duration> DEDUP_TTL = key("dedup.ttl")
            .durationType()
            .defaultValue(Duration.ofHours(1))
            .withDescription("How long an (auditID, stage) is remembered to drop repeats.");

    public static final ConfigOption<String> DLQ_PATH = key("dlq.path")
            .stringType()
            .noDefaultValue()
            .withDescription("Where dead letters are written as JSON lines (s3:// or file://). "
                    + "Unset: dead letters are counted and logged (key and reason, never the payload).");

    public static final ConfigOption<String> FALCO_URL = key("falco.url")
            .stringType()
            .noDefaultValue()
            .withDescription("Required unless falco.dry-run. Falco k8saudit webhook URL(s), comma-separated, "
                    + "e.g. http://falco:9765/k8s-audit; no user info (credentials go in falco.auth.header-file).");

    public static final ConfigOption<Boolean> FALCO_DRY_RUN = key("falco.dry-run")
            .booleanType()
            .defaultValue(false)
            .withDescription("true: log one summary line per batch instead of posting (never the payload).");

    public static final ConfigOption<MemorySize> FALCO_MAX_EVENT_BYTES = key("falco.max-event-bytes")
            .memoryType()
            .defaultValue(MemorySize.parse("262144"))
            .withDescription("Events larger than this are dead letters (Falco's maxEventSize; it drops them silently).");

    public static final ConfigOption<MemorySize> FALCO_MAX_BODY_BYTES = key("falco.max-body-bytes")
            .memoryType()
            .defaultValue(MemorySize.parse("12 mb"))
            .withDescription("Largest request body Falco accepts (its webhookMaxBatchSize).");

    public static final ConfigOption<Integer> FALCO_BATCH_MAX_EVENTS = key("falco.batch.max-events")
            .intType()
            .defaultValue(500)
            .withDescription("Most events in one POST.");

    public static final ConfigOption<MemorySize> FALCO_BATCH_MAX_BYTES = key("falco.batch.max-bytes")
            .memoryType()
            .defaultValue(MemorySize.parse("4 mb"))
            .withDescription("Most bytes of events in one POST; at most falco.max-body-bytes.");

    public static final ConfigOption<Duration> FALCO_BATCH_MAX_DELAY = key("falco.batch.max-delay")
            .durationType()
            .defaultValue(Duration.ofSeconds(1))
            .withDescription("Longest an event waits in the buffer before its batch is sent.");

    public static final ConfigOption<Duration> FALCO_REQUEST_TIMEOUT = key("falco.request-timeout")
            .durationType()
            .defaultValue(Duration.ofSeconds(30))
            .withDescription("Timeout of one POST; a timed-out POST is retried.");

    public static final ConfigOption<Duration> FALCO_CONNECT_TIMEOUT = key("falco.connect-timeout")
            .durationType()
            .defaultValue(Duration.ofSeconds(5))
            .withDescription("Timeout of opening a connection to Falco; a dead address fails over to the next URL after it.");

    public static final ConfigOption<Duration> FALCO_RETRY_INITIAL_BACKOFF = key("falco.retry.initial-backoff")
            .durationType()
            .defaultValue(Duration.ofMillis(200))
            .withDescription("First retry delay; doubles per attempt, with jitter.");

    public static final ConfigOption<Duration> FALCO_RETRY_MAX_BACKOFF = key("falco.retry.max-backoff")
            .durationType()
            .defaultValue(Duration.ofSeconds(30))
            .withDescription("Longest retry delay.");

    public static final ConfigOption<Integer> FALCO_RETRY_MAX_ATTEMPTS = key("falco.retry.max-attempts")
            .intType()
            .defaultValue(0)
            .withDescription("0 retries forever; otherwise a batch that failed this many times becomes "
                    + "dead letters (falco-unreachable).");

    public static final ConfigOption<Integer> FALCO_MAX_IN_FLIGHT = key("falco.max-in-flight")
            .intType()
            .defaultValue(4)
            .withDescription("Concurrent POSTs per subtask; bounds memory and makes a slow Falco backpressure the job.");

    public static final ConfigOption<Duration> FALCO_BOUNDED_GIVE_UP_AFTER = key("falco.bounded-give-up-after")
            .durationType()
            .defaultValue(Duration.ofMinutes(2))
            .withDescription("input.mode bounded only: when no POST has succeeded for this long while events wait "
                    + "and POSTs fail, the job ends with an error and no restart. Continuous jobs retry forever.");

    public static final ConfigOption<MemorySize> FALCO_BUFFER_MAX_BYTES = key("falco.buffer.max-bytes")
            .memoryType()
            .noDefaultValue()
            .withDescription("Most bytes of events waiting in one subtask's sink buffer (besides the entry limit); "
                    + "unset: (falco.max-in-flight + 1) x falco.batch.max-bytes, 20 mb with the defaults. "
                    + "At least falco.batch.max-bytes.");

    public static final ConfigOption<String> FALCO_TLS_CA_FILE = key("falco.tls.ca-file")
            .stringType()
            .noDefaultValue()
            .withDescription("PEM file of the CA(s) that sign Falco's certificate, local or s3:// (default: the JVM's trust store).");

    public static final ConfigOption<Boolean> FALCO_TLS_INSECURE_SKIP_VERIFY = key("falco.tls.insecure-skip-verify")
            .booleanType()
            .defaultValue(false)
            .withDescription("true disables certificate and host name checks (logs a warning). Testing only.");

    public static final ConfigOption<String> FALCO_AUTH_HEADER_FILE = key("falco.auth.header-file")
            .stringType()
            .noDefaultValue()
            .withDescription("File holding one 'Name: value' header sent with every POST, local or s3:// "
                    + "(re-read when it changes).");

    public static final ConfigOption<Duration> FALCO_AUTH_RECHECK_INTERVAL = key("falco.auth.recheck-interval")
            .durationType()
            .defaultValue(Duration.ofSeconds(10))
            .withDescription("How often falco.auth.header-file is checked for a change (modification time or length).");

    /** In the order {@code --help} prints them. */
    public static final List<ConfigOption<?>> ALL = List.of(
            INPUT_PATH,
            INPUT_MODE,
            INPUT_DISCOVERY_INTERVAL,
            INPUT_LOOKBACK,
            INPUT_LATE_DISCOVERY_INTERVAL,
            INPUT_LATE_LOOKBACK,
            INPUT_PARTITION_TIMEZONE,
            INPUT_PARTITIONING,
            INPUT_START,
            INPUT_END,
            INPUT_PROGRESS_PATH,
            INPUT_START_FROM,
            INPUT_MISSING_OBJECT_TIMEOUT,
            INPUT_DENIED_TIMEOUT,
            INPUT_RETRY_INITIAL_BACKOFF,
            INPUT_RETRY_MAX_BACKOFF,
            DECODE_LOG_STREAM_PREFIX,
            CLUSTER_TAGGING,
            CLUSTER_NAME_FORMAT,
            DEDUP_TTL,
            DLQ_PATH,
            FALCO_URL,
            FALCO_DRY_RUN,
            FALCO_MAX_EVENT_BYTES,
            FALCO_MAX_BODY_BYTES,
            FALCO_BATCH_MAX_EVENTS,
            FALCO_BATCH_MAX_BYTES,
            FALCO_BATCH_MAX_DELAY,
            FALCO_REQUEST_TIMEOUT,
            FALCO_CONNECT_TIMEOUT,
            FALCO_RETRY_INITIAL_BACKOFF,
            FALCO_RETRY_MAX_BACKOFF,
            FALCO_RETRY_MAX_ATTEMPTS,
            FALCO_MAX_IN_FLIGHT,
            FALCO_BUFFER_MAX_BYTES,
            FALCO_BOUNDED_GIVE_UP_AFTER,
            FALCO_TLS_CA_FILE,
            FALCO_TLS_INSECURE_SKIP_VERIFY,
            FALCO_AUTH_HEADER_FILE,
            FALCO_AUTH_RECHECK_INTERVAL);

    private BridgeOptions() {}
}
