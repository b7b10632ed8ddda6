package dev.eksaudit.bridge.dedup;

import dev.eksaudit.bridge.decode.AuditEvent;
import dev.eksaudit.bridge.decode.Stage;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The dedup of the versions before the key-group tables (Flink keyed state, a TTL'd Integer of
 * stage bits per auditID), kept to write the checkpoints those versions wrote, so that tests can
 * restore them into {@link StageDeduplicator}.
 */
public class KeyedStateStageDeduplicator extends KeyedProcessFunction<String, AuditEvent, AuditEvent> {
    private static final long serialVersionUID = 1L;
    private final Duration ttl;
    private transient ValueState<Integer> seenStages;

    public KeyedStateStageDeduplicator(Duration ttl) {
        this.ttl = ttl;
    }

    @Override
    public void open(OpenContext openContext) {
        seenStages = getRuntimeContext().getState(StageDeduplicator.legacyDescriptor(ttl));
    }

    @Override
    public void processElement(AuditEvent event, Context ctx, Collector<AuditEvent> out) throws Exception {
        int bit = Stage.valueOf(event.stage).bit();
        Integer seen = seenStages.value();
        int mask = seen == null ? 0 : seen;
        if ((mask & bit) == 0) {
            seenStages.update(mask | bit);
            out.collect(event);
        }
    }
}
