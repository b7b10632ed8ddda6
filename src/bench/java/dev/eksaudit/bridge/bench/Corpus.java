package dev.eksaudit.bridge.bench;

import dev.eksaudit.bridge.decode.FirehoseFixtures;
import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * A generated corpus of Firehose objects on local disk, in UTC hour folders of a fixed past range
 * (read with {@code --input.start/--input.end}): realistic event sizes (mostly 1-3 KB, a long tail
 * up to 200 KB), all four layouts in turn, every event distinct. Deterministic for a seed.
 */
final class Corpus {
    static final Instant START = Instant.parse("2026-11-20T00:00:00Z");
    static final int HOURS = 6;
    static final int EVENTS_PER_OBJECT = 500;

    private static final String[] WORDS = {
        "kube-system", "default", "coredns", "aws-node", "kube-proxy", "deployment", "replicaset", "pod",
        "configmap", "serviceaccount", "app.kubernetes.io/name", "eks.amazonaws.com/component", "true",
        "false", "Running", "Ready", "ContainersReady", "PodScheduled", "ip-10-0-1-17.ec2.internal",
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/coredns:v1.11.3-eksbuild.2", "resources",
        "limits", "requests", "memory", "170Mi", "cpu", "100m", "volumeMounts", "/var/run/secrets",
    };

    final Path root;
    final List<Path> files = new ArrayList<>();
    final List<String> relativeKeys = new ArrayList<>();
    long events;
    long eventBytes;
    long objectBytes;
    final int[] sizeHistogram = new int[5]; // <1 KB, 1-3 KB, 3-20 KB, 20-100 KB, >100 KB
    int maxEventBytes;

    private Corpus(Path root) {
        this.root = root;
    }

    static Instant end() {
        return START.plus(Duration.ofHours(HOURS)).minusSeconds(1);
    }

    /** The files of a corpus written before (sorted), for a reader in another JVM. */
    static Corpus load(Path root) throws IOException {
        Corpus c = new Corpus(root);
        try (java.util.stream.Stream<Path> files = Files.walk(root)) {
            files.filter(Files::isRegularFile).sorted().forEach(f -> {
                c.files.add(f);
                c.relativeKeys.add(root.relativize(f).toString());
            });
        }
        return c;
    }

    /** Writes {@code eventCount} events under {@code root} (deleted first). */
    static Corpus generate(Path root, int eventCount, long seed) throws IOException {
        deleteTree(root);
        Files.createDirectories(root);
        Corpus c = new Corpus(root);
        Random random = new Random(seed);
        Layout[] layouts = Layout.values();
        int objects = (eventCount + EVENTS_PER_OBJECT - 1) / EVENTS_PER_OBJECT;
        long spacingMillis = Duration.ofHours(HOURS).toMillis() / Math.max(1, objects);
        int made = 0;
        for (int o = 0; o < objects; o++) {
            Instant arrival = START.plusMillis(o * spacingMillis);
            int n = Math.min(EVENTS_PER_OBJECT, eventCount - made);
            List<String> events = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String e = event(random, arrival.plusMillis(i));
                events.add(e);
                int size = e.getBytes(StandardCharsets.UTF_8).length;
                c.eventBytes += size;
                c.maxEventBytes = Math.max(c.maxEventBytes, size);
                c.sizeHistogram[size < 1024 ? 0 : size < 3072 ? 1 : size < 20_480 ? 2 : size < 102_400 ? 3 : 4]++;
            }
            made += n;
            Layout layout = layouts[o % layouts.length];
            String key = FirehoseFixtures.objectKey("", arrival, layout);
            byte[] body = FirehoseFixtures.object(layout, events);
            Path file = root.resolve(key);
            Files.createDirectories(file.getParent());
            Files.write(file, body);
            c.files.add(file);
            c.relativeKeys.add(key);
            c.objectBytes += body.length;
        }
        c.events = made;
        return c;
    }

    /**
     * One audit event of a realistic size: 90 % 1-3 KB, 9 % 3-20 KB, 1 % 20-200 KB (log-uniform),
     * the bulk in a request/response object built of Kubernetes-like words (compresses like real
     * audit logs do, several times, not like random bytes).
     */
    static String event(Random random, Instant at) {
        String id = new UUID(random.nextLong(), random.nextLong()).toString();
        String[] stages = {"ResponseComplete", "ResponseComplete", "ResponseComplete", "RequestReceived", "ResponseStarted"};
        String base = FirehoseFixtures.event(id, stages[random.nextInt(stages.length)], at);
        double p = random.nextDouble();
        int target;
        if (p < 0.90) {
            target = 1024 + random.nextInt(2048);
        } else if (p < 0.99) {
            target = 3072 + random.nextInt(17_408);
        } else {
            target = (int) Math.exp(Math.log(20_480) + random.nextDouble() * (Math.log(200_000) - Math.log(20_480)));
        }
        int padding = target - base.length() - 60;
        if (padding <= 0) {
            return base;
        }
        // A Pod-like responseObject: containers with env lists, the field names a real API object repeats.
        StringBuilder sb = new StringBuilder(target + 64);
        sb.append(base, 0, base.length() - 1);
        sb.append(",\"responseObject\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"spec\":{\"containers\":[");
        int limit = base.length() + padding;
        int c = 0;
        while (sb.length() < limit) {
            if (c++ > 0) {
                sb.append(',');
            }
            sb.append("{\"name\":\"").append(WORDS[random.nextInt(WORDS.length)])
                    .append("\",\"image\":\"").append(WORDS[19]).append("\",\"env\":[");
            for (int e = 0; e < 12 && sb.length() < limit; e++) {
                if (e > 0) {
                    sb.append(',');
                }
                sb.append("{\"name\":\"").append(WORDS[random.nextInt(WORDS.length)].toUpperCase(java.util.Locale.ROOT))
                        .append("\",\"value\":\"").append(WORDS[random.nextInt(WORDS.length)]).append('-')
                        .append(Integer.toHexString(random.nextInt(0x10000))).append("\"}");
            }
            sb.append("]}");
        }
        sb.append("]}}}");
        return sb.toString();
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
