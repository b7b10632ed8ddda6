package dev.eksaudit.bridge;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.BridgeConfigLoader;
import dev.eksaudit.bridge.config.ConfigException;
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
import java.util.Arrays;
import java.util.Optional;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import static dev.eksaudit.bridge.config.BridgeOptions.*;

/** EKS audit logs from S3 to Falco: source, decode, dedup, deliver; checkpoints track the objects. */
public final class BridgeJob {

    private BridgeJob() {}

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(BridgeConfig.help());
            return;
        }
        BridgeConfig config;
        try {
            config = BridgeConfigLoader.load(args);
        } catch (ConfigException e) {
            if (!JobEnvironment.startedByJava()) {
                throw e; // a cluster shows the message; exiting would take its JobManager down
            }
            System.err.println("eks-audit-bridge: " + e.getMessage());
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env = JobEnvironment.create();
        build(env, config);
        try {
            env.execute("eks-audit-bridge");
        } catch (Exception e) {
            // A bounded replay that gave up on Falco: one line with the cause instead of a stack trace.
            Optional<FalcoUnreachableException> gaveUp = FalcoUnreachableException.in(e);
            if (gaveUp.isEmpty() || !JobEnvironment.startedByJava()) {
                throw e;
            }
            System.err.println("eks-audit-bridge: " + gaveUp.get().getMessage());
            System.exit(1);
        }
    }

    /** The dataflow; tests call this with their own environment. */
    public static void build(StreamExecutionEnvironment env, BridgeConfig config) {
        JobEnvironment.ensureCheckpointing(env);
        JobEnvironment.ensureCheckpointFailureTolerance(env);
        // No operator keeps or mutates a record it was handed, so chained operators may pass
        // records on as they are: without this Flink deep-copies every payload and event JSON
        // between chained operators (source -> decode, dedup -> sink).
        env.getConfig().enableObjectReuse();

        DataStream<ObjectRecord> records = env
                .fromSource(FirehoseSource.fromConfig(config, new FirehoseObjectFormat()), WatermarkStrategy.noWatermarks(), "S3 objects")
                .uid("s3-objects");

        SingleOutputStreamOperator<AuditEvent> events = records
                .process(new CloudWatchLogsDecoder(config.get(DECODE_LOG_STREAM_PREFIX), config.bytes(FALCO_MAX_EVENT_BYTES),
                        ClusterNames.fromConfig(config)))
                .uid("decode").name("Decode CloudWatch Logs records");

        DataStream<AuditEvent> unique = events
                .keyBy(new AuditIdKey())
                .process(new StageDeduplicator(config.dedupTtl()))
                .uid("dedup").name("Drop repeated events");

        unique.sinkTo(FalcoSinkBuilder.fromConfig(config).build())
                .uid("falco").name("Falco k8saudit webhook");

        config.getOptional(DLQ_PATH).ifPresent(dlq -> events
                .getSideOutput(CloudWatchLogsDecoder.DEAD_LETTERS)
                .sinkTo(DeadLetterSink.create(dlq))
                .uid("dead-letters").name("Dead letters"));
    }
}
