package dev.eksaudit.bridge.source;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

/**
 * A SplitEnumeratorContext driven by the test thread: the periodic discovery runs when the test
 * calls {@link #runDiscovery()} (callable, then handler, as Flink's worker and coordinator
 * threads would), so tests need neither sleeps nor threads. Records assignments, "no more splits"
 * signals and registered metrics.
 */
final class TestingEnumeratorContext implements SplitEnumeratorContext<FileSourceSplit> {

    private final Map<Integer, ReaderInfo> readers = new HashMap<>();
    private final Map<Integer, List<FileSourceSplit>> assigned = new LinkedHashMap<>();
    private final List<FileSourceSplit> assignmentOrder = new ArrayList<>();
    private final Set<Integer> noMoreSplits = new HashSet<>();
    private final RecordingMetricGroup metrics = new RecordingMetricGroup();
    private Callable<Object> periodic;
    private BiConsumer<Object, Throwable> periodicHandler;
    private long periodMillis = -1;

    /** The attempt registered per subtask (a failover registers the next one). */
    private final Map<Integer, Integer> attempts = new HashMap<>();

    void registerReader(int subtask) {
        registerReader(subtask, 0);
    }

    void registerReader(int subtask, int attempt) {
        readers.put(subtask, new ReaderInfo(subtask, "localhost"));
        attempts.put(subtask, attempt);
    }

    /** Runs the periodic discovery once: the listing, then its handler. */
    void runDiscovery() {
        if (periodic == null) {
            throw new IllegalStateException("no periodic callable registered (start() not called?)");
        }
        Object result;
        try {
            result = periodic.call();
        } catch (Throwable t) {
            periodicHandler.accept(null, t);
            return;
        }
        periodicHandler.accept(result, null);
    }

    long periodMillis() {
        return periodMillis;
    }

    List<FileSourceSplit> assignedTo(int subtask) {
        return assigned.getOrDefault(subtask, List.of());
    }

    /** Every split assigned, in assignment order. */
    List<FileSourceSplit> assignmentOrder() {
        return assignmentOrder;
    }

    boolean hasNoMoreSplits(int subtask) {
        return noMoreSplits.contains(subtask);
    }

    Map<String, Metric> metrics() {
        return metrics.registered;
    }

    @Override
    public SplitEnumeratorMetricGroup metricGroup() {
        return metrics;
    }

    @Override
    public void sendEventToSourceReader(int subtaskId, SourceEvent event) {
        throw new UnsupportedOperationException("the enumerator sends no events");
    }

    @Override
    public int currentParallelism() {
        return Math.max(1, readers.size());
    }

    @Override
    public Map<Integer, ReaderInfo> registeredReaders() {
        return readers;
    }

    @Override
    public Map<Integer, Map<Integer, ReaderInfo>> registeredReadersOfAttempts() {
        Map<Integer, Map<Integer, ReaderInfo>> byAttempt = new HashMap<>();
        readers.forEach((subtask, info) -> byAttempt.put(subtask, Map.of(attempts.get(subtask), info)));
        return byAttempt;
    }

    @Override
    public void assignSplits(SplitsAssignment<FileSourceSplit> newSplitAssignments) {
        newSplitAssignments.assignment().forEach((subtask, splits) -> {
            if (!readers.containsKey(subtask)) {
                throw new IllegalStateException("assigned to unregistered reader " + subtask);
            }
            assigned.computeIfAbsent(subtask, s -> new ArrayList<>()).addAll(splits);
            assignmentOrder.addAll(splits);
        });
    }

    @Override
    public void signalNoMoreSplits(int subtask) {
        noMoreSplits.add(subtask);
    }

    @Override
    public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {
        try {
            handler.accept(callable.call(), null);
        } catch (Throwable t) {
            handler.accept(null, t);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler, long initialDelay, long period) {
        if (periodic != null) {
            throw new IllegalStateException("a second periodic callable");
        }
        this.periodic = (Callable<Object>) callable;
        this.periodicHandler = (BiConsumer<Object, Throwable>) handler;
        this.periodMillis = period;
    }

    @Override
    public void runInCoordinatorThread(Runnable runnable) {
        runnable.run();
    }

    /** Keeps what the enumerator registers, to assert on metric names and values. */
    static final class RecordingMetricGroup extends UnregisteredMetricsGroup implements SplitEnumeratorMetricGroup {
        final Map<String, Metric> registered = new HashMap<>();

        @Override
        public <C extends org.apache.flink.metrics.Counter> C counter(String name, C counter) {
            registered.put(name, counter);
            return counter;
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            registered.put(name, gauge);
            return gauge;
        }

        @Override
        public <G extends Gauge<Long>> G setUnassignedSplitsGauge(G gauge) {
            registered.put("unassignedSplits", gauge);
            return gauge;
        }

        /** A key-value group's metrics are kept as {@code key=value.name}. */
        @Override
        public org.apache.flink.metrics.MetricGroup addGroup(String key, String value) {
            return new Child(registered, key + "=" + value + ".");
        }
    }

    private static final class Child extends UnregisteredMetricsGroup {
        private final Map<String, Metric> registered;
        private final String prefix;

        Child(Map<String, Metric> registered, String prefix) {
            this.registered = registered;
            this.prefix = prefix;
        }

        @Override
        public <C extends org.apache.flink.metrics.Counter> C counter(String name, C counter) {
            registered.put(prefix + name, counter);
            return counter;
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            registered.put(prefix + name, gauge);
            return gauge;
        }
    }
}
