package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.decode.AuditEvent;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

/** Pass-through that counts completed checkpoints (chained with the sink, so they include it). */
final class FalcoCheckpointCounter implements MapFunction<AuditEvent, AuditEvent>, CheckpointListener {
    private static final long serialVersionUID = 1L;

    static final AtomicInteger COMPLETED = new AtomicInteger();

    @Override
    public AuditEvent map(AuditEvent event) {
        return event;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        COMPLETED.incrementAndGet();
    }
}
