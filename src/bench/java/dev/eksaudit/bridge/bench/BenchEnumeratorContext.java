package dev.eksaudit.bridge.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

/**
 * An enumerator context driven by the benchmark thread: one reader that takes every split, and
 * the periodic discovery run when {@link #runDiscovery()} is called (no threads, no sleeps).
 */
final class BenchEnumeratorContext<S extends SourceSplit> implements SplitEnumeratorContext<S> {
    private final Map<Integer, ReaderInfo> readers = new HashMap<>(Map.of(0, new ReaderInfo(0, "localhost")));
    private Callable<Object> periodic;
    private BiConsumer<Object, Throwable> handler;
    long assigned;

    void runDiscovery() {
        Object result;
        try {
            result = periodic.call();
        } catch (Throwable t) {
            handler.accept(null, t);
            return;
        }
        handler.accept(result, null);
    }

    @Override
    public SplitEnumeratorMetricGroup metricGroup() {
        return new Metrics();
    }

    @Override
    public void sendEventToSourceReader(int subtaskId, SourceEvent event) {}

    @Override
    public int currentParallelism() {
        return 1;
    }

    @Override
    public Map<Integer, ReaderInfo> registeredReaders() {
        return readers;
    }

    @Override
    public void assignSplits(SplitsAssignment<S> assignment) {
        assignment.assignment().values().forEach(splits -> assigned += splits.size());
    }

    @Override
    public void signalNoMoreSplits(int subtask) {}

    @Override
    public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> h) {
        try {
            h.accept(callable.call(), null);
        } catch (Throwable t) {
            h.accept(null, t);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> h, long initialDelay, long period) {
        this.periodic = (Callable<Object>) callable;
        this.handler = (BiConsumer<Object, Throwable>) h;
    }

    @Override
    public void runInCoordinatorThread(Runnable runnable) {
        runnable.run();
    }

    static final class Metrics extends UnregisteredMetricsGroup implements SplitEnumeratorMetricGroup {
        @Override
        public <G extends org.apache.flink.metrics.Gauge<Long>> G setUnassignedSplitsGauge(G gauge) {
            return gauge;
        }
    }
}
