package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.decode.AuditEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriter;
import org.apache.flink.connector.base.sink.writer.Batch;
import org.apache.flink.connector.base.sink.writer.BatchCreator;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.RequestBuffer;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.connector.base.sink.writer.strategy.RequestInfo;

/**
 * Flink 2.x half of what differs in the writer between 1.x and 2.x: how many entries and bytes
 * wait in AsyncSink's buffer. Since 2.1 (FLINK-37298) the writer takes its buffer and batch maker
 * as arguments, so this one owns the buffer and counts what enters and leaves it, through the
 * public {@link RequestBuffer} and {@link BatchCreator} interfaces only (no reliance on how often
 * AsyncSink calls {@link #getSizeInBytes}, as the 1.20 half must).
 * (src/flink1/java has the 1.20 half.)
 */
abstract class FalcoAsyncSinkWriter extends AsyncSinkWriter<AuditEvent, FalcoRequestEntry> {

    private final long batchBytesLimit;
    private final CountingBuffer buffer;

    FalcoAsyncSinkWriter(ElementConverter<AuditEvent, FalcoRequestEntry> converter, WriterInitContext context,
            AsyncSinkWriterConfiguration configuration, Collection<BufferedRequestState<FalcoRequestEntry>> state,
            long batchBytesLimit) {
        this(converter, context, configuration, state, batchBytesLimit, new CountingBuffer());
    }

    private FalcoAsyncSinkWriter(ElementConverter<AuditEvent, FalcoRequestEntry> converter, WriterInitContext context,
            AsyncSinkWriterConfiguration configuration, Collection<BufferedRequestState<FalcoRequestEntry>> state,
            long batchBytesLimit, CountingBuffer buffer) {
        super(converter, context, configuration, state, new Batches(configuration.getMaxBatchSizeInBytes()), buffer);
        this.batchBytesLimit = batchBytesLimit;
        this.buffer = buffer;
    }

    /** Entries waiting in the buffer (not in flight). */
    final int bufferedEntries() {
        return buffer.entries;
    }

    /** Their bytes, each counted as {@link FalcoSinkWriter#sizeOf}. */
    final long bufferedBytes() {
        return buffer.bytes;
    }

    @Override
    protected final long getSizeInBytes(FalcoRequestEntry entry) {
        return FalcoSinkWriter.sizeOf(entry, batchBytesLimit);
    }

    /** A batch left the buffer for a POST: the buffer has already counted it out. */
    final void takenFromBuffer(List<FalcoRequestEntry> batch) {}

    /** AsyncSink's buffer, with its size readable from the metric and worker threads. */
    private static final class CountingBuffer implements RequestBuffer<FalcoRequestEntry> {
        private final ArrayDeque<RequestEntryWrapper<FalcoRequestEntry>> deque = new ArrayDeque<>();
        /** Written on the mailbox thread (the only one that touches the deque). */
        private volatile int entries;
        private volatile long bytes;

        @Override
        public void add(RequestEntryWrapper<FalcoRequestEntry> entry, boolean prioritize) {
            if (prioritize) {
                deque.addFirst(entry);
            } else {
                deque.addLast(entry);
            }
            entries = deque.size();
            bytes += entry.getSize();
        }

        @Override
        public RequestEntryWrapper<FalcoRequestEntry> poll() {
            RequestEntryWrapper<FalcoRequestEntry> entry = deque.poll();
            if (entry != null) {
                entries = deque.size();
                bytes -= entry.getSize();
            }
            return entry;
        }

        @Override
        public RequestEntryWrapper<FalcoRequestEntry> peek() {
            return deque.peek();
        }

        @Override
        public boolean isEmpty() {
            return deque.isEmpty();
        }

        @Override
        public int size() {
            return deque.size();
        }

        @Override
        public Collection<RequestEntryWrapper<FalcoRequestEntry>> getBufferedState() {
            return new ArrayList<>(deque);
        }

        @Override
        public long totalSizeInBytes() {
            return bytes;
        }
    }

    /** AsyncSink's batching: in buffer order, up to the batch size it asks for and the byte limit. */
    private static final class Batches implements BatchCreator<FalcoRequestEntry> {
        private final long maxBatchBytes;

        Batches(long maxBatchBytes) {
            this.maxBatchBytes = maxBatchBytes;
        }

        @Override
        public Batch<FalcoRequestEntry> createNextBatch(RequestInfo requestInfo, RequestBuffer<FalcoRequestEntry> buffer) {
            List<FalcoRequestEntry> batch = new ArrayList<>(requestInfo.getBatchSize());
            long batchBytes = 0;
            while (batch.size() < requestInfo.getBatchSize() && !buffer.isEmpty()
                    && batchBytes + buffer.peek().getSize() <= maxBatchBytes) {
                RequestEntryWrapper<FalcoRequestEntry> entry = buffer.poll();
                batch.add(entry.getRequestEntry());
                batchBytes += entry.getSize();
            }
            return new Batch<>(batch, batchBytes);
        }
    }
}
