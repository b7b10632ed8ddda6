package dev.eksaudit.bridge;

import dev.eksaudit.bridge.decode.FirehoseFixtures;
import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import dev.eksaudit.bridge.source.InProcessS3;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * Objects in the Firehose layouts, with duplicates across objects, and the set Falco must receive;
 * and the MiniCluster the end-to-end tests run them on.
 */
public final class PipelineFixture {
    private static final Layout[] LAYOUTS = Layout.values();

    /** Object key (s3 URI) to body. */
    public final Map<String, byte[]> objects = new LinkedHashMap<>();
    /** "auditID/stage" of every distinct valid event in {@link #objects}. */
    public final TreeSet<String> expectedKeys = new TreeSet<>();
    /**
     * "auditID/stage" to the cluster its event must carry: the log group's cluster for layouts
     * (a)-(c), none for (d), which has no envelope (shown as "-").
     */
    public final Map<String, String> expectedClusters = new LinkedHashMap<>();
    /** The log groups objects name in turn (object i: group i mod n). */
    private List<String> logGroups = List.of(FirehoseFixtures.LOG_GROUP);
    private int repeats = 3;
    /** The keys each object adds (its repeats of the previous object excluded). */
    private final Map<String, List<String>> newKeysByObject = new LinkedHashMap<>();

    private final String root;
    private final Instant firstArrival;
    private final java.util.Random random;

    public PipelineFixture(String root, Instant firstArrival, long seed) {
        this.root = root;
        this.firstArrival = firstArrival;
        this.random = new java.util.Random(seed);
    }

    /** Objects added from now on name these log groups in turn, e.g. three clusters sharing one stream. */
    public PipelineFixture logGroups(String... groups) {
        this.logGroups = List.of(groups);
        // A Firehose retry repeats records of its own stream in their own envelopes; repeating them
        // in the next object's envelope would file them under another cluster.
        this.repeats = groups.length > 1 ? 0 : repeats;
        return this;
    }

    /**
     * Adds {@code count} objects of {@code requests} requests each (two stages per request), and
     * repeats a few events of the previous object in each one, as Firehose retries do.
     */
    public PipelineFixture addObjects(int count, int requests) {
        List<String> previous = List.of();
        for (int i = 0; i < count; i++) {
            Instant arrival = firstArrival.plusSeconds(objects.size() * 61L);
            List<String> events = new ArrayList<>();
            List<String> newKeys = new ArrayList<>();
            for (int r = 0; r < requests; r++) {
                String id = new UUID(random.nextLong(), random.nextLong()).toString();
                events.add(FirehoseFixtures.event(id, "ResponseStarted", arrival.plusMillis(r)));
                events.add(FirehoseFixtures.event(id, "ResponseComplete", arrival.plusMillis(r + 1)));
                newKeys.add(id + "/ResponseStarted");
                newKeys.add(id + "/ResponseComplete");
            }
            events.addAll(previous.subList(0, Math.min(repeats, previous.size())));
            Layout layout = LAYOUTS[objects.size() % LAYOUTS.length];
            String logGroup = logGroups.get(objects.size() % logGroups.size());
            String key = FirehoseFixtures.objectKey(root, arrival, layout);
            objects.put(key, FirehoseFixtures.object(layout, events, logGroup, FirehoseFixtures.OWNER));
            String cluster = layout == Layout.EVENTS ? "-" : logGroup.split("/")[3];
            newKeys.forEach(k -> expectedClusters.put(k, cluster));
            newKeysByObject.put(key, newKeys);
            expectedKeys.addAll(newKeys);
            previous = events;
        }
        return this;
    }

    /** The keys these objects add (their repeats of earlier objects excluded). */
    public List<String> keysOf(List<String> objectKeys) {
        List<String> keys = new ArrayList<>();
        objectKeys.forEach(k -> keys.addAll(newKeysByObject.get(k)));
        return keys;
    }

    /** PUTs these objects through the S3 API, in order. */
    public void put(InProcessS3 s3, List<String> objectKeys) throws java.io.IOException {
        for (String key : objectKeys) {
            s3.put(key, objects.get(key));
        }
    }

    /** The object keys in the order they were added. */
    public List<String> keys() {
        return new ArrayList<>(objects.keySet());
    }

    /** Sum of a counter over every subtask of the job, e.g. the decoder's {@code objectsRead}. */
    public static long counter(InMemoryReporter reporter, JobID job, String name) {
        return reporter.findMetrics(job, name).entrySet().stream()
                .filter(e -> e.getKey().endsWith("." + name) && e.getValue() instanceof Counter)
                .mapToLong(e -> ((Counter) e.getValue()).getCount())
                .sum();
    }

    /** Sum of a gauge over every subtask of the job, e.g. the reader's {@code objectsBlocked}. */
    public static long gauge(InMemoryReporter reporter, JobID job, String name) {
        return reporter.findMetrics(job, name).entrySet().stream()
                .filter(e -> e.getKey().endsWith("." + name) && e.getValue() instanceof org.apache.flink.metrics.Gauge)
                .mapToLong(e -> ((Number) ((org.apache.flink.metrics.Gauge<?>) e.getValue()).getValue()).longValue())
                .sum();
    }

    /** Polls {@code condition} every 20 ms; fails naming {@code what} once {@code deadline} has passed. */
    public static void await(String what, java.time.Duration deadline, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + deadline + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    /** The end-to-end tests' MiniCluster: one TaskManager with two slots, so parallelism 2 fits. */
    public static MiniClusterExtension miniCluster() {
        return miniCluster(new Configuration());
    }

    /** The same MiniCluster, its metrics kept in {@code metrics} for the test to read. */
    public static MiniClusterExtension miniCluster(InMemoryReporter metrics) {
        return miniCluster(metrics.addToConfiguration(new Configuration()));
    }

    /** The same MiniCluster with these cluster settings. */
    public static MiniClusterExtension miniCluster(Configuration configuration) {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(2)
                .setConfiguration(configuration)
                .build());
    }

    /** Cancels the jobs still running: one left by a failed assertion would hold the slots the next test needs. */
    public static void cancelRunning(List<JobClient> jobs) throws Exception {
        for (JobClient job : jobs) {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }
}
