package dev.eksaudit.bridge.falco;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;

/**
 * {@code eventsSent} and {@code eventTimeLagMs} per cluster, in metric group {@code cluster=<name>}
 * (a Prometheus label), so a dashboard row per cluster shows one that went quiet. Entries without
 * a cluster count in the totals only. Updated from HTTP threads.
 */
final class ClusterDeliveries {

    private final MetricGroup metrics;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Cluster> clusters = new ConcurrentHashMap<>();

    ClusterDeliveries(MetricGroup metrics, LongSupplier clock) {
        this.metrics = metrics;
        this.clock = clock;
    }

    void delivered(List<FalcoRequestEntry> entries) {
        for (FalcoRequestEntry e : entries) {
            if (e.cluster() != null) {
                Cluster c = clusters.computeIfAbsent(e.cluster(), this::register);
                c.eventsSent.inc();
                c.lag.delivered(e.stageTimestampMillis());
            }
        }
    }

    private Cluster register(String name) {
        MetricGroup group = metrics.addGroup("cluster", name);
        Cluster c = new Cluster(group.counter("eventsSent", new ThreadSafeSimpleCounter()), new EventTimeLag(clock));
        group.gauge("eventTimeLagMs", c.lag);
        return c;
    }

    private static final class Cluster {
        final Counter eventsSent;
        final EventTimeLag lag;

        Cluster(Counter eventsSent, EventTimeLag lag) {
            this.eventsSent = eventsSent;
            this.lag = lag;
        }
    }
}
