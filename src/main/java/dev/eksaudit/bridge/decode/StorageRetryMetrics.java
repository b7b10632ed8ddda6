package dev.eksaudit.bridge.decode;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;

/**
 * The reader's storage metrics: {@code storageRetries} (every failed open or read that is retried)
 * and {@code objectsBlocked} (objects whose reading is waiting on a storage error right now). A
 * blocked object is retried forever, so {@code objectsBlocked > 0} for minutes is the alert: a
 * bucket or KMS policy, expired credentials, or an object gone missing.
 */
public final class StorageRetryMetrics {
    private final Counter retries;
    private final AtomicInteger blocked = new AtomicInteger();

    private StorageRetryMetrics(Counter retries) {
        this.retries = retries;
    }

    /** Registers both metrics on the source reader's group. */
    public static StorageRetryMetrics register(MetricGroup group) {
        StorageRetryMetrics m = new StorageRetryMetrics(group.counter("storageRetries"));
        group.gauge("objectsBlocked", (Gauge<Integer>) m.blocked::get);
        return m;
    }

    /** Counts without reporting anywhere (a format used outside a Flink source reader). */
    static StorageRetryMetrics unregistered() {
        return new StorageRetryMetrics(new SimpleCounter());
    }

    void retried() {
        retries.inc();
    }

    void blocked() {
        blocked.incrementAndGet();
    }

    void unblocked() {
        blocked.decrementAndGet();
    }

    long retries() {
        return retries.getCount();
    }

    int objectsBlocked() {
        return blocked.get();
    }
}
