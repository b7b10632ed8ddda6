package dev.eksaudit.bridge;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.BridgeConfigLoader;
import dev.eksaudit.bridge.config.ConfigException;
import dev.eksaudit.bridge.config.InputMode;
import dev.eksaudit.bridge.decode.AuditEvent;
import dev.eksaudit.bridge.decode.CloudWatchLogsDecoder;
import dev.eksaudit.bridge.decode.ClusterNames;
import dev.eksaudit.bridge.decode.ObjectRecord;
import dev.eksaudit.bridge.dedup.AuditIdKey;
import dev.eksaudit.bridge.dedup.StageDeduplicator;
import dev.eksaudit.bridge.deadletter.DeadLetterSink;
import dev.eksaudit.bridge.falco.FalcoSinkBuilder;
import dev.eksaudit.bridge.falco.FalcoUnreachableException;
import dev.eksaudit.bridge.decode.FirehoseObjectFormat;
import dev.eksaudit.bridge.source.FirehoseSource;
import dev.eksaudit.bridge.summary.RunTotals;
import dev.eksaudit.bridge.validate.CheckResult;
import dev.eksaudit.bridge.validate.CheckpointStorageCheck;
import dev.eksaudit.bridge.validate.SetupChecks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.core.execution.DetachedJobExecutionResult;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static dev.eksaudit.bridge.config.BridgeOptions.*;

/** EKS audit logs from S3 to Falco: source, decode, dedup, deliver; checkpoints track the objects. */
public final class BridgeJob {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeJob.class);

    /** Runs the setup checks and exits instead of starting the job (not a configuration key). */
    static final String VALIDATE = "--validate";
    private static final String CONFIGURATION = "configuration";

    private BridgeJob() {}

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(BridgeConfig.help());
            return;
        }
        boolean validate = Arrays.asList(args).contains(VALIDATE);
        String[] options = Arrays.stream(args).filter(a -> !VALIDATE.equals(a)).toArray(String[]::new);
        BridgeConfig config;
        try {
            config = BridgeConfigLoader.load(options);
        } catch (ConfigException e) {
            if (validate) {
                finishValidation(List.of(CheckResult.failed(CONFIGURATION, e.getMessage())));
                return;
            }
            refuseToStart(e);
            return;
        }
        StreamExecutionEnvironment env;
        try {
            env = JobEnvironment.create();
        } catch (ConfigException e) {
            refuseToStart(e);
            return;
        }
        if (validate) {
            validate(env, config);
            return;
        }
        // The same checks as --validate, logged once. A failure that can clear (Falco not up yet, a
        // continuous job's input) is a WARN and the job starts; one a run cannot get past stops it
        // with that one line: JobManager-memory checkpoints, and a bounded run's input or dead letters.
        List<CheckResult> checks = SetupChecks.run(config, env, BridgeConfigLoader.MANAGED_FLINK_PROPERTIES);
        CheckResult stop = checks.stream()
                .filter(c -> c.failed() && (c.name().equals(CheckpointStorageCheck.NAME)
                        || config.inputMode() == InputMode.BOUNDED && SetupChecks.stopsABoundedRun(c)))
                .findFirst().orElse(null);
        for (CheckResult check : checks) {
            if (check == stop) {
                continue; // said once, below
            } else if (check.failed()) {
                LOG.warn("Setup check: {}", check.line());
            } else {
                LOG.info("Setup check: {}", check.line());
            }
        }
        if (stop != null) {
            refuseToStart(new ConfigException(stop.name() + ": " + stop.detail()
                    + (stop.name().equals(CheckpointStorageCheck.NAME) ? "" : " (a bounded run stops at start)")));
            return;
        }
        try {
            build(env, config); // input.start-from is read here: a record that cannot be used stops the start
        } catch (ConfigException e) {
            refuseToStart(e);
            return;
        }
        JobExecutionResult result;
        try {
            result = env.execute("eks-audit-bridge");
        } catch (Exception e) {
            // A bounded replay that gave up (Falco unreachable, S3 access denied for good): one
            // line with the cause instead of a stack trace.
            Optional<String> gaveUp = givenUp(e);
            if (gaveUp.isEmpty() || !JobEnvironment.startedByJava()) {
                throw e;
            }
            System.err.println("eks-audit-bridge: " + gaveUp.get());
            System.exit(1);
            return;
        }
        if (config.inputMode() == InputMode.BOUNDED && !(result instanceof DetachedJobExecutionResult)) {
            LOG.info(RunTotals.summary(result));
        }
    }

    /** The reason a bounded job ended without restarts, if it did: the cause a reader or the sink gave. */
    private static Optional<String> givenUp(Throwable failure) {
        Optional<FalcoUnreachableException> falco = FalcoUnreachableException.in(failure);
        if (falco.isPresent()) {
            return Optional.of(falco.get().getMessage());
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SuppressRestartsException && t.getCause() != null) {
                return Optional.ofNullable(t.getCause().getMessage());
            }
        }
        return Optional.empty();
    }

    /** {@code --validate}: the configuration (the whole dataflow is built, not run), then every setup check. */
    private static void validate(StreamExecutionEnvironment env, BridgeConfig config) {
        List<CheckResult> results = new ArrayList<>();
        try {
            build(env, config);
            results.add(CheckResult.passed(CONFIGURATION, "input.path " + config.inputPath() + ", input.mode "
                    + config.inputMode().name().toLowerCase(java.util.Locale.ROOT) + ", "
                    + config.falcoUrls().size() + " Falco URL(s)"));
        } catch (IllegalArgumentException e) { // ConfigException, and the builders' own checks
            finishValidation(List.of(CheckResult.failed(CONFIGURATION, e.getMessage())));
            return;
        }
        results.addAll(SetupChecks.run(config, env, BridgeConfigLoader.MANAGED_FLINK_PROPERTIES));
        finishValidation(results);
    }

    /** One line per check on stdout, then exit 0 (all passed or skipped) or 1; no job is started. */
    private static void finishValidation(List<CheckResult> results) {
        results.forEach(r -> System.out.println(r.line()));
        boolean failed = results.stream().anyMatch(CheckResult::failed);
        if (JobEnvironment.startedByJava()) {
            System.out.flush();
            System.exit(failed ? 1 : 0);
        } else if (failed) {
            // On a cluster (flink run ... --validate) the submission fails with the first failed line.
            throw new ConfigException(results.stream().filter(CheckResult::failed).findFirst().get().line());
        }
    }

    /** One line and exit 2 when started by java; on a cluster the exception, which it shows. */
    private static void refuseToStart(ConfigException e) {
        if (!JobEnvironment.startedByJava()) {
            throw e; // a cluster shows the message; exiting would take its JobManager down
        }
        System.err.println("eks-audit-bridge: " + e.getMessage());
        System.exit(2);
    }

    /** The dataflow; tests call this with their own environment. */
    public static void build(StreamExecutionEnvironment env, BridgeConfig config) {
        JobEnvironment.ensureCheckpointing(env);
        JobEnvironment.ensureCheckpointFailureTolerance(env);
        // No operator keeps or mutates a record it was handed, so chained operators may pass
        // records on as they are: without this Flink deep-copies every payload and event JSON
        // between chained operators (source -> decode, dedup -> sink).
        env.getConfig().enableObjectReuse();
        if (config.getOptional(INPUT_PROGRESS_PATH).isPresent() && env.getCheckpointConfig().isUnalignedCheckpointsEnabled()) {
            // An unaligned checkpoint stores events in flight between operators, which a progress
            // record cannot name: a job starting from it would miss them.
            throw new ConfigException(INPUT_PROGRESS_PATH.key() + ": needs aligned checkpoints; set "
                    + "execution.checkpointing.unaligned.enabled to false or leave input.progress-path unset");
        }

        DataStream<ObjectRecord> records = env
                .fromSource(FirehoseSource.fromConfig(config, FirehoseObjectFormat.fromConfig(config)), WatermarkStrategy.noWatermarks(), "S3 objects")
                .uid("s3-objects");

        SingleOutputStreamOperator<AuditEvent> events = records
                .process(new CloudWatchLogsDecoder(config.get(DECODE_LOG_STREAM_PREFIX), config.bytes(FALCO_MAX_EVENT_BYTES),
                        ClusterNames.fromConfig(config)))
                .uid("decode").name("Decode CloudWatch Logs records");

        DataStream<AuditEvent> unique = events
                .keyBy(new AuditIdKey())
                .transform("Drop repeated events", events.getType(), new StageDeduplicator(config.dedupTtl()))
                .uid("dedup").name("Drop repeated events");

        unique.sinkTo(FalcoSinkBuilder.fromConfig(config).build())
                .uid("falco").name("Falco k8saudit webhook");

        config.getOptional(DLQ_PATH).ifPresent(dlq -> events
                .getSideOutput(CloudWatchLogsDecoder.DEAD_LETTERS)
                .sinkTo(DeadLetterSink.create(dlq))
                .uid("dead-letters").name("Dead letters"));
    }
}
