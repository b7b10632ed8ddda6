package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.decode.AuditEvent;
import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Posts audit events to Falco's k8saudit webhook as {@code EventList} batches. At-least-once:
 * AsyncSink lets in-flight POSTs finish before a checkpoint and keeps buffered events in state.
 * {@link FalcoAsyncSinkBase} is the one part that differs between Flink 1.20 and 2.x.
 */
public class FalcoSink extends FalcoAsyncSinkBase {
    private static final long serialVersionUID = 1L;

    private final FalcoSinkSettings settings;

    FalcoSink(FalcoSinkSettings settings) {
        super(
                new FalcoElementConverter(),
                settings.maxBatchEvents,
                settings.maxInFlight,
                bufferedLimit(settings),
                settings.batchBytesLimit(),
                settings.maxBatchDelay.toMillis(),
                // An entry over the batch limit must not fail the job: the writer reports its size
                // capped at the limit and dead-letters it (oversize) instead.
                settings.batchBytesLimit(),
                settings.asyncSinkTimeoutMs(),
                false);
        this.settings = settings;
    }

    public static FalcoSinkBuilder builder() {
        return new FalcoSinkBuilder();
    }

    /** Two batches per in-flight slot: enough to keep POSTs going, little enough to bound memory. */
    static int bufferedLimit(FalcoSinkSettings s) {
        long limit = 2L * s.maxBatchEvents * Math.max(1, s.maxInFlight);
        return (int) Math.min(Integer.MAX_VALUE - 1, Math.max(limit, s.maxBatchEvents + 1L));
    }

    FalcoSinkSettings settings() {
        return settings;
    }

    @Override
    public FalcoSinkWriter createWriter(WriterInitContext context) throws IOException {
        return restoreWriter(context, Collections.emptyList());
    }

    @Override
    public FalcoSinkWriter restoreWriter(
            WriterInitContext context, Collection<BufferedRequestState<FalcoRequestEntry>> recoveredState)
            throws IOException {
        return new FalcoSinkWriter(getElementConverter(), context, settings, recoveredState);
    }

    @Override
    public SimpleVersionedSerializer<BufferedRequestState<FalcoRequestEntry>> getWriterStateSerializer() {
        return new FalcoStateSerializer();
    }
}
