package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.decode.FirehoseFixtures;
import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import dev.eksaudit.bridge.source.InProcessS3;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 13 end to end, in one continuous job on a MiniCluster: two paths of the in-process S3
 * server, {@code s3://central/eks/} unnamed and shared by three log groups of two accounts, and
 * {@code edge-1=s3://edge/eks-audit/} named (its objects carry log groups too, and one
 * message-extraction object has no envelope at all). Objects are PUT before and while the job
 * runs. At Falco's contract receiver every event arrives once, with the exact
 * {@code annotations.cluster_name}: the event's own name if it had one, else the named path's
 * name (over the log group), else the log group's cluster through {@code cluster.name-format},
 * else none; and the per-cluster decoded and sent counters and {@code eventsWithoutCluster} are
 * exact, repeats of a Firehose retry included in decoded and not in sent.
 */
class ManyClustersEndToEndTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
            .build());

    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final String CENTRAL = "s3://central/eks/";
    private static final String EDGE = "s3://edge/eks-audit/";
    private static final String ACCOUNT_A = "111122223333";
    private static final String ACCOUNT_B = "444455556666";
    private static final String PROD_EU = "/aws/eks/prod-eu/cluster";
    private static final String PROD_US = "/aws/eks/prod-us/cluster";
    private static final String STAGING = "/aws/eks/staging/cluster";
    /** Shown for an event that must arrive without annotations.cluster_name. */
    private static final String NONE = "-";

    /** "": the default format, {@code {cluster}}, by leaving the key out. */
    @ParameterizedTest(name = "cluster.name-format {0}")
    @ValueSource(strings = {"", "{account}/{cluster}"})
    void everyEventOfTwoPathsArrivesOnceWithItsCluster(String format) throws Exception {
        boolean withAccount = !format.isEmpty();
        Fixture objects = new Fixture(withAccount, Instant.now().minus(Duration.ofMinutes(40)).truncatedTo(ChronoUnit.SECONDS));
        // Before the job starts (read per input.start earliest).
        objects.add(CENTRAL, Layout.MULTI_MEMBER_GZIP, PROD_EU, ACCOUNT_A, objects.fresh(4), Shape.PLAIN);
        objects.add(EDGE, Layout.MULTI_MEMBER_GZIP, PROD_EU, ACCOUNT_A, objects.fresh(3), Shape.PLAIN);
        int firstWave = objects.size();
        // While it runs: every layout, both accounts, the names of staging repeating across them.
        objects.add(CENTRAL, Layout.DOUBLE_GZIP, PROD_US, ACCOUNT_B, objects.fresh(3), Shape.NO_ANNOTATIONS);
        objects.add(CENTRAL, Layout.ENVELOPES, STAGING, ACCOUNT_A, objects.fresh(3), Shape.NULL_ANNOTATIONS);
        objects.add(CENTRAL, Layout.MULTI_MEMBER_GZIP, STAGING, ACCOUNT_B, objects.fresh(3), Shape.OWN_NAME);
        objects.add(CENTRAL, Layout.EVENTS, null, null, objects.fresh(3), Shape.PLAIN);
        // A Firehose retry: two events of the first prod-eu object again, in a later object.
        objects.add(CENTRAL, Layout.ENVELOPES, PROD_EU, ACCOUNT_A,
                objects.withRepeats(objects.fresh(2), objects.eventsOf(0).subList(0, 2)), Shape.PLAIN);
        objects.add(EDGE, Layout.DOUBLE_GZIP, STAGING, ACCOUNT_B, objects.fresh(3), Shape.OWN_NAME);
        objects.add(EDGE, Layout.EVENTS, null, null, objects.fresh(3), Shape.NO_ANNOTATIONS);
        objects.add(EDGE, Layout.ENVELOPES, PROD_US, ACCOUNT_B, objects.fresh(2), Shape.PLAIN);

        try (InProcessS3 s3 = InProcessS3.start("central", "edge"); FalcoWebhookReceiver falco = FalcoWebhookReceiver.start()) {
            objects.put(s3, 0, firstWave);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            env.enableCheckpointing(500);
            List<String> args = new ArrayList<>(List.of(
                    "--input.path", CENTRAL + ",edge-1=" + EDGE,
                    "--input.discovery-interval", "500 ms",
                    "--falco.url", falco.url().toString(),
                    "--falco.batch.max-delay", "100 ms"));
            if (withAccount) {
                args.addAll(List.of("--cluster.name-format", format));
            }
            BridgeJob.build(env, BridgeConfig.fromArgs(args.toArray(new String[0])));
            JobClient job = env.executeAsync("two paths, three log groups, two accounts");
            try {
                falco.awaitEventCount(objects.distinctIn(0, firstWave), DEADLINE);
                objects.put(s3, firstWave, objects.size());
                falco.awaitEventCount(objects.expected.size(), DEADLINE);
                JobID id = job.getJobID();

                // Sent counts settle once the POSTs' callbacks ran: wait for them, then nothing more may come.
                awaitEqual("cluster.<name>.eventsSent", () -> perCluster(id, "eventsSent"), objects.sentPerCluster());
                awaitEqual("eventsSent", () -> sum(id, "eventsSent"), (long) objects.expected.size());
                assertThat(perCluster(id, "eventsDecoded")).isEqualTo(objects.decodedPerCluster());
                assertThat(sum(id, "eventsWithoutCluster")).isEqualTo(objects.decodedWithoutCluster());
                assertThat(sum(id, "duplicatesDropped")).isEqualTo(2L);

                Map<String, String> delivered = new TreeMap<>();
                for (JsonNode event : falco.events()) {
                    JsonNode name = event.path("annotations").path("cluster_name");
                    delivered.put(event.get("auditID").asText() + "/" + event.get("stage").asText(),
                            name.isMissingNode() ? NONE : name.asText());
                }
                assertThat(falco.eventKeys()).as("each event once").doesNotHaveDuplicates();
                assertThat(delivered).isEqualTo(new TreeMap<>(objects.expected));
                assertThat(falco.droppedCount()).isZero();
                // The fixture covers every rule: own name, path name over log group, log group, none.
                assertThat(new java.util.TreeSet<>(objects.expected.values())).containsExactlyElementsOf(withAccount
                        ? List.of(NONE, ACCOUNT_A + "/prod-eu", ACCOUNT_A + "/staging", ACCOUNT_B + "/prod-us",
                                ACCOUNT_B + "/staging", "edge-1", "pinned-staging")
                        : List.of(NONE, "edge-1", "pinned-staging", "prod-eu", "prod-us", "staging"));
            } finally {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }

    /** How an object's fresh events carry annotations. */
    enum Shape {
        /** The API server's {@code annotations} object, without a cluster_name. */
        PLAIN,
        /** No {@code annotations} member at all. */
        NO_ANNOTATIONS,
        /** {@code "annotations":null}. */
        NULL_ANNOTATIONS,
        /** The first event already carries {@code annotations.cluster_name} "pinned-staging". */
        OWN_NAME
    }

    /** The objects of both paths, and what Falco and the metrics must show for them. */
    private static final class Fixture {
        final boolean withAccount;
        final Instant firstArrival;
        final List<String> keys = new ArrayList<>();
        final List<byte[]> bodies = new ArrayList<>();
        final List<List<String[]>> events = new ArrayList<>();
        /** "auditID/stage" to the cluster_name it must arrive with (NONE: without one). */
        final Map<String, String> expected = new LinkedHashMap<>();
        /** Every decoded occurrence's cluster (repeats included), for eventsDecoded. */
        final List<String> decoded = new ArrayList<>();
        private long next;

        Fixture(boolean withAccount, Instant firstArrival) {
            this.withAccount = withAccount;
            this.firstArrival = firstArrival;
        }

        /** {auditID, stage} pairs of {@code requests} new requests, two stages each. */
        List<String[]> fresh(int requests) {
            List<String[]> out = new ArrayList<>();
            for (int r = 0; r < requests; r++) {
                String id = UUID.nameUUIDFromBytes(("many-clusters-" + next++).getBytes(StandardCharsets.UTF_8)).toString();
                out.add(new String[] {id, "ResponseStarted"});
                out.add(new String[] {id, "ResponseComplete"});
            }
            return out;
        }

        List<String[]> withRepeats(List<String[]> fresh, List<String[]> repeats) {
            List<String[]> all = new ArrayList<>(fresh);
            all.addAll(repeats);
            return all;
        }

        List<String[]> eventsOf(int object) {
            return events.get(object);
        }

        void add(String path, Layout layout, String logGroup, String owner, List<String[]> ids, Shape shape) {
            Instant arrival = firstArrival.plusSeconds(keys.size() * 61L);
            List<String> jsons = new ArrayList<>();
            String pathName = path.equals(EDGE) ? "edge-1" : null;
            boolean first = true;
            for (String[] e : ids) {
                String json = FirehoseFixtures.event(e[0], e[1], arrival.plusMillis(jsons.size()));
                String key = e[0] + "/" + e[1];
                boolean repeat = expected.containsKey(key);
                String own = null;
                if (!repeat) {
                    if (shape == Shape.OWN_NAME && first) {
                        own = "pinned-staging";
                        json = json.replace("\"annotations\":{", "\"annotations\":{\"cluster_name\":\"" + own + "\",");
                    } else if (shape == Shape.NO_ANNOTATIONS) {
                        json = FirehoseFixtures.without(json, "annotations");
                    } else if (shape == Shape.NULL_ANNOTATIONS) {
                        json = FirehoseFixtures.without(json, "annotations");
                        json = json.substring(0, json.length() - 1) + ",\"annotations\":null}";
                    }
                    first = false;
                }
                jsons.add(json);
                String cluster = own != null ? own : pathName != null ? pathName : fromLogGroup(logGroup, owner);
                if (repeat) {
                    assertThat(expected.get(key)).as("a repeat names the same cluster").isEqualTo(cluster);
                } else {
                    expected.put(key, cluster);
                }
                decoded.add(cluster);
            }
            keys.add(FirehoseFixtures.objectKey(path, arrival, layout));
            bodies.add(FirehoseFixtures.object(layout, jsons, logGroup, owner));
            events.add(ids);
        }

        private String fromLogGroup(String logGroup, String owner) {
            if (logGroup == null) {
                return NONE;
            }
            String cluster = logGroup.split("/")[3];
            return withAccount ? owner + "/" + cluster : cluster;
        }

        int size() {
            return keys.size();
        }

        void put(InProcessS3 s3, int from, int to) throws java.io.IOException {
            for (int i = from; i < to; i++) {
                s3.put(keys.get(i), bodies.get(i));
            }
        }

        int distinctIn(int from, int to) {
            return (int) events.subList(from, to).stream().flatMap(List::stream).map(e -> e[0] + "/" + e[1]).distinct().count();
        }

        Map<String, Long> sentPerCluster() {
            Map<String, Long> counts = new TreeMap<>();
            expected.values().stream().filter(c -> !c.equals(NONE)).forEach(c -> counts.merge(c, 1L, Long::sum));
            return counts;
        }

        Map<String, Long> decodedPerCluster() {
            Map<String, Long> counts = new TreeMap<>();
            decoded.stream().filter(c -> !c.equals(NONE)).forEach(c -> counts.merge(c, 1L, Long::sum));
            return counts;
        }

        long decodedWithoutCluster() {
            return decoded.stream().filter(NONE::equals).count();
        }
    }

    private static final Pattern PER_CLUSTER = Pattern.compile("\\.cluster\\.(.+)\\.([A-Za-z]+)$");

    /** Every {@code cluster.<name>.<metric>} counter of the job, summed over subtasks, by name. */
    private static Map<String, Long> perCluster(JobID job, String metric) {
        Map<String, Long> counts = new TreeMap<>();
        for (Map.Entry<String, Metric> e : METRICS.findMetrics(job, metric).entrySet()) {
            Matcher m = PER_CLUSTER.matcher(e.getKey());
            if (m.find() && m.group(2).equals(metric) && e.getValue() instanceof Counter) {
                counts.merge(m.group(1), ((Counter) e.getValue()).getCount(), Long::sum);
            }
        }
        return counts;
    }

    /** The job-wide counter (not a per-cluster one), summed over subtasks. */
    private static long sum(JobID job, String metric) {
        long total = 0;
        for (Map.Entry<String, Metric> e : METRICS.findMetrics(job, metric).entrySet()) {
            if (e.getKey().endsWith("." + metric) && !PER_CLUSTER.matcher(e.getKey()).find()
                    && e.getValue() instanceof Counter) {
                total += ((Counter) e.getValue()).getCount();
            }
        }
        return total;
    }

    private static <T> void awaitEqual(String what, Supplier<T> actual, T expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!expected.equals(actual.get()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(actual.get()).as(what).isEqualTo(expected);
    }
}
