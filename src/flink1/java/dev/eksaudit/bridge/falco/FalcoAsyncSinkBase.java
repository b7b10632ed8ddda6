package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.decode.AuditEvent;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.connector.base.sink.AsyncSinkBase;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;

/**
 * Flink 1.20 half of what differs in the sink class between 1.x and 2.x: here AsyncSinkBase is a
 * {@code StatefulSink}, whose {@code Sink} still declares the pre-1.19 {@code createWriter(InitContext)}.
 * Flink 1.20 calls the {@code WriterInitContext} variants {@link FalcoSink} implements; this one is
 * only there to satisfy the interface. (src/flink2/java has the 2.x half.)
 */
abstract class FalcoAsyncSinkBase extends AsyncSinkBase<AuditEvent, FalcoRequestEntry> {
    private static final long serialVersionUID = 1L;

    FalcoAsyncSinkBase(ElementConverter<AuditEvent, FalcoRequestEntry> converter, int maxBatchSize,
            int maxInFlightRequests, int maxBufferedRequests, long maxBatchSizeInBytes, long maxTimeInBufferMS,
            long maxRecordSizeInBytes, long requestTimeoutMS, boolean failOnTimeout) {
        super(converter, maxBatchSize, maxInFlightRequests, maxBufferedRequests, maxBatchSizeInBytes,
                maxTimeInBufferMS, maxRecordSizeInBytes, requestTimeoutMS, failOnTimeout);
    }

    @Override
    @Deprecated
    public StatefulSinkWriter<AuditEvent, BufferedRequestState<FalcoRequestEntry>> createWriter(InitContext context) {
        throw new UnsupportedOperationException("FalcoSink needs a WriterInitContext (Flink 1.19+)");
    }
}
