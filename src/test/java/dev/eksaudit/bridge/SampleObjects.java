package dev.eksaudit.bridge;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.decode.FirehoseFixtures;
import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The sample objects the README's run command reads: Falco's own audit fixtures written as a
 * Firehose delivery stream would, one object per layout. Regenerate with
 * {@code mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.eksaudit.bridge.SampleObjects}.
 */
public final class SampleObjects {
    static final Path DIR = Path.of("samples");
    static final Instant FIRST_ARRIVAL = Instant.parse("2026-11-26T15:02:11Z");

    private SampleObjects() {}

    /**
     * The EKS log group of each layout's object: two clusters sharing one Firehose stream, so the
     * local run shows {@code cluster=prod-eu} and {@code cluster=staging} in Falco's alerts. Layout
     * (d) has no envelope, hence no log group: its events arrive without a cluster name.
     */
    static final String[] LOG_GROUPS = {"/aws/eks/prod-eu/cluster", "/aws/eks/staging/cluster", "/aws/eks/prod-eu/cluster", null};

    /** One sample object: its layout, the fixture lines it holds and its log group. */
    record Part(Layout layout, List<String> events, String logGroup) {
        /** The cluster its events carry as annotations.cluster_name, or null. */
        String cluster() {
            return logGroup == null ? null : logGroup.split("/")[3];
        }
    }

    static List<Part> parts() {
        List<String> events = FirehoseFixtures.corpusEvents();
        Layout[] layouts = Layout.values();
        List<Part> parts = new ArrayList<>();
        int per = (events.size() + layouts.length - 1) / layouts.length;
        for (int i = 0; i < layouts.length; i++) {
            List<String> part = new ArrayList<>(events.subList(Math.min(i * per, events.size()),
                    Math.min((i + 1) * per, events.size())));
            parts.add(new Part(layouts[i], part, LOG_GROUPS[i]));
        }
        return parts;
    }

    /** Relative path under samples/ to body, in a stable order. */
    static Map<String, byte[]> generate() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        List<Part> parts = parts();
        for (int i = 0; i < parts.size(); i++) {
            Part part = parts.get(i);
            Instant arrival = FIRST_ARRIVAL.plusSeconds(i * 300L);
            out.put(FirehoseFixtures.objectKey("eks-audit/", arrival, part.layout()),
                    part.logGroup() == null
                            ? FirehoseFixtures.object(part.layout(), part.events())
                            : FirehoseFixtures.object(part.layout(), part.events(), part.logGroup(), FirehoseFixtures.OWNER));
        }
        return out;
    }

    /**
     * Runs the bridge on a MiniCluster (parallelism 2) over the samples as a backfill of their hour
     * folder, whatever today is, posting to {@code falcoUrl}.
     */
    static JobExecutionResult backfill(String falcoUrl, String jobName) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        BridgeJob.build(env, BridgeConfig.fromArgs(
                "--input.path", DIR.resolve("eks-audit").toAbsolutePath().toUri().toString(),
                "--input.mode", "bounded",
                "--input.start", "2026-11-26T15:00:00Z",
                "--input.end", "2026-11-26T16:00:00Z",
                "--falco.url", falcoUrl));
        return env.execute(jobName);
    }

    public static void main(String[] args) throws IOException {
        for (Map.Entry<String, byte[]> e : generate().entrySet()) {
            Path file = DIR.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.write(file, e.getValue());
            System.out.println(file + " " + e.getValue().length + " bytes");
        }
    }
}
