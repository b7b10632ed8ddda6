package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.decode.AuditEvent;
import org.apache.flink.connector.base.sink.AsyncSinkBase;
import org.apache.flink.connector.base.sink.writer.ElementConverter;

/**
 * Flink 2.x half of what differs in the sink class between 1.x and 2.x: AsyncSinkBase is a
 * {@code Sink} with {@code SupportsWriterState}, and {@code createWriter(WriterInitContext)} (which
 * {@link FalcoSink} implements) is the only way to make a writer, so nothing is added here.
 * (src/flink1/java has the 1.20 half.)
 */
abstract class FalcoAsyncSinkBase extends AsyncSinkBase<AuditEvent, FalcoRequestEntry> {
    private static final long serialVersionUID = 1L;

    FalcoAsyncSinkBase(ElementConverter<AuditEvent, FalcoRequestEntry> converter, int maxBatchSize,
            int maxInFlightRequests, int maxBufferedRequests, long maxBatchSizeInBytes, long maxTimeInBufferMS,
            long maxRecordSizeInBytes, long requestTimeoutMS, boolean failOnTimeout) {
        super(converter, maxBatchSize, maxInFlightRequests, maxBufferedRequests, maxBatchSizeInBytes,
                maxTimeInBufferMS, maxRecordSizeInBytes, requestTimeoutMS, failOnTimeout);
    }
}
