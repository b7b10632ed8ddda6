package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.decode.AuditEvent;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriter;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;

/**
 * Flink 1.20 half of what differs in the writer between 1.x and 2.x: how many entries and bytes
 * wait in AsyncSink's buffer. 1.20 bounds only the entry count and does not expose its buffer, so
 * the account is kept beside it, relying on how 1.20's AsyncSinkWriter uses its hooks: it calls
 * {@link #getSizeInBytes} exactly once for every entry it puts into the buffer, new or handed
 * back, and restores stored entries with their stored sizes without calling it; a batch leaves the
 * buffer just before {@code submitRequestEntries}, which calls {@link #takenFromBuffer}.
 * (src/flink2/java has the 2.x half, which owns the buffer through 2.1's pluggable batching.)
 */
abstract class FalcoAsyncSinkWriter extends AsyncSinkWriter<AuditEvent, FalcoRequestEntry> {

    private final long batchBytesLimit;
    /** Written on the mailbox thread, read by gauges and the give-up check. */
    private volatile int bufferedEntries;
    private volatile long bufferedBytes;

    FalcoAsyncSinkWriter(ElementConverter<AuditEvent, FalcoRequestEntry> converter, WriterInitContext context,
            AsyncSinkWriterConfiguration configuration, Collection<BufferedRequestState<FalcoRequestEntry>> state,
            long batchBytesLimit) {
        super(converter, context, configuration, state);
        this.batchBytesLimit = batchBytesLimit;
        for (BufferedRequestState<FalcoRequestEntry> s : state) {
            for (RequestEntryWrapper<FalcoRequestEntry> w : s.getBufferedRequestEntries()) {
                bufferedEntries++;
                bufferedBytes += w.getSize();
            }
        }
    }

    /** Entries waiting in the buffer (not in flight). */
    final int bufferedEntries() {
        return bufferedEntries;
    }

    /** Their bytes, each counted as {@link FalcoSinkWriter#sizeOf}. */
    final long bufferedBytes() {
        return bufferedBytes;
    }

    @Override
    protected final long getSizeInBytes(FalcoRequestEntry entry) {
        long size = FalcoSinkWriter.sizeOf(entry, batchBytesLimit);
        bufferedEntries++;
        bufferedBytes += size;
        return size;
    }

    /** A batch left the buffer for a POST (called first in {@code submitRequestEntries}). */
    final void takenFromBuffer(List<FalcoRequestEntry> batch) {
        long bytes = 0;
        for (FalcoRequestEntry e : batch) {
            bytes += FalcoSinkWriter.sizeOf(e, batchBytesLimit);
        }
        bufferedEntries -= batch.size();
        bufferedBytes -= bytes;
    }
}
