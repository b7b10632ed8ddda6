package dev.eksaudit.bridge.bench;

import dev.eksaudit.bridge.BridgeJob;
import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.decode.FirehoseFixtures;
import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import dev.eksaudit.bridge.source.InProcessS3;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Continuous jobs: discovery latency (item 4) and heap during a Falco outage (item 6). */
final class LiveJobs {

    static final class Latency {
        double intervalSeconds;
        int objects;
        int events;
        int received;
        double p50;
        double p90;
        double p99;
        double max;
    }

    /**
     * PUTs one small object every {@code putEvery} into the current hour folder of the in-process
     * S3 bucket while a continuous job runs; latency is PUT complete -> event at the receiver.
     */
    static Latency discoveryLatency(InProcessS3 s3, String prefix, CountingReceiver rx, Duration interval,
            Duration putEvery, Duration duration) throws Exception {
        rx.reset();
        Map<String, Long> putAt = new ConcurrentHashMap<>();
        List<Double> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        rx.onAuditId = id -> {
            Long t = putAt.remove(id);
            if (t != null) {
                latencies.add((System.nanoTime() - t) / 1e9);
            }
        };
        JobClient job = startContinuous(1, prefix, rx, interval, List.of("--input.start", "latest"));
        try {
            Thread.sleep(Math.max(3000, interval.toMillis() + 1000)); // job running, first discovery done
            Random random = new Random(4);
            Latency l = new Latency();
            l.intervalSeconds = interval.toMillis() / 1000.0;
            long end = System.nanoTime() + duration.toNanos();
            int o = 0;
            while (System.nanoTime() < end) {
                long next = System.nanoTime() + putEvery.toNanos();
                Instant now = Instant.now();
                List<String> events = new ArrayList<>();
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    String e = Corpus.event(random, now);
                    events.add(e);
                    ids.add(e.substring(e.indexOf("\"auditID\":\"") + 11, e.indexOf("\"auditID\":\"") + 47));
                }
                Layout layout = Layout.values()[o % 4];
                byte[] body = FirehoseFixtures.object(layout, events);
                String key = FirehoseFixtures.objectKey(prefix, now.plusNanos(o), layout);
                s3.put(key, body);
                long t = System.nanoTime();
                for (String id : ids) {
                    putAt.put(id, t);
                }
                l.objects++;
                l.events += ids.size();
                o++;
                long sleep = (next - System.nanoTime()) / 1_000_000;
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
            long drainUntil = System.nanoTime() + interval.toNanos() * 2 + 5_000_000_000L;
            while (!putAt.isEmpty() && System.nanoTime() < drainUntil) {
                Thread.sleep(100);
            }
            double[] sorted;
            synchronized (latencies) {
                sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            }
            l.received = sorted.length;
            l.p50 = percentile(sorted, 0.50);
            l.p90 = percentile(sorted, 0.90);
            l.p99 = percentile(sorted, 0.99);
            l.max = sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
            return l;
        } finally {
            rx.onAuditId = null;
            job.cancel().get();
        }
    }

    static final class Outage {
        double[] seconds;
        double[] heapMb;
        /** Heap in use right after the last garbage collection: what is live, without garbage. */
        double[] heapAfterGcMb;
        double[] receivedPerSecond;
        double warmSeconds;
        double downSeconds;
        double upSeconds;
        long written;
        long received;
        double heapMaxDown;
        double heapMaxUp;
        double heapMaxBefore;
        double afterGcMaxBefore;
        double afterGcMaxDown;
        double afterGcMaxUp;
        /** (seconds, MB) of the heap used right after a full GC. */
        final List<double[]> live = new ArrayList<>();

        double liveMax(double from, double to) {
            double m = 0;
            for (double[] l : live) {
                if (l[0] >= from && l[0] < to) {
                    m = Math.max(m, l[1]);
                }
            }
            return m;
        }

        long receivedIn(double from, double to) {
            double sum = 0;
            for (int i = 1; i < seconds.length; i++) {
                if (seconds[i] >= from && seconds[i] < to) {
                    sum += receivedPerSecond[i] * (seconds[i] - seconds[i - 1]);
                }
            }
            return Math.round(sum);
        }
    }

    private static double max(Outage o, double from, double to) {
        double m = 0;
        for (int i = 0; i < o.seconds.length; i++) {
            if (o.seconds[i] >= from && o.seconds[i] < to) {
                m = Math.max(m, o.heapAfterGcMb[i]);
            }
        }
        return m;
    }

    static double heapAfterGc() {
        long used = 0;
        for (java.lang.management.MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null) {
                used += pool.getCollectionUsage().getUsed();
            }
        }
        return used / 1e6;
    }

    /**
     * A continuous job reading a local bucket that gets {@code eventsPerSecond} events in small
     * objects; the receiver is up for {@code warm}, down for {@code down}, then up again for {@code up}.
     * Samples the JVM's used heap (the job, the embedded cluster and this harness) every 500 ms.
     */
    static Outage outage(java.nio.file.Path bucket, CountingReceiver rx, int eventsPerSecond, Duration warm,
            Duration down, Duration up) throws Exception {
        Corpus.deleteTree(bucket);
        Files.createDirectories(bucket);
        rx.reset();
        JobClient job = startContinuous(1, bucket.toUri().toString(), rx, Duration.ofSeconds(1),
                List.of("--input.start", "latest"));
        Outage result = new Outage();
        List<double[]> samples = new ArrayList<>();
        Random random = new Random(6);
        try {
            Thread.sleep(3000);
            long t0 = System.nanoTime();
            long downAt = t0 + warm.toNanos();
            long upAt = downAt + down.toNanos();
            long end = upAt + up.toNanos();
            boolean isDown = false;
            boolean restarted = false;
            long nextWrite = t0;
            long nextSample = t0;
            long nextFullGc = t0 + 5_000_000_000L;
            long lastReceived = 0;
            long lastSampleNanos = t0;
            int perObject = Math.max(1, eventsPerSecond / 4); // an object every 250 ms
            int o = 0;
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                if (!isDown && !restarted && now >= downAt) {
                    rx.stop();
                    isDown = true;
                }
                if (isDown && now >= upAt) {
                    rx.restart();
                    isDown = false;
                    restarted = true;
                }
                if (now >= nextWrite) {
                    Instant at = Instant.now();
                    List<String> events = new ArrayList<>(perObject);
                    for (int i = 0; i < perObject; i++) {
                        events.add(Corpus.event(random, at));
                    }
                    Layout layout = Layout.values()[o++ % 4];
                    String key = FirehoseFixtures.objectKey("", at.plusNanos(o), layout);
                    java.nio.file.Path file = bucket.resolve(key);
                    Files.createDirectories(file.getParent());
                    java.nio.file.Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
                    Files.write(tmp, FirehoseFixtures.object(layout, events));
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                    result.written += perObject;
                    nextWrite += 250_000_000L;
                }
                if (now >= nextFullGc) {
                    // Live heap: what a full collection leaves (every 10 s, so the job is not disturbed often).
                    System.gc();
                    double live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
                    result.live.add(new double[] {(System.nanoTime() - t0) / 1e9, live});
                    nextFullGc += 10_000_000_000L;
                }
                if (now >= nextSample) {
                    long received = rx.events.get();
                    double heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
                    double rate = (received - lastReceived) / ((now - lastSampleNanos) / 1e9);
                    samples.add(new double[] {(now - t0) / 1e9, heap, rate, heapAfterGc()});
                    lastReceived = received;
                    lastSampleNanos = now;
                    double t = (now - t0) / 1e9;
                    double warmS = warm.toNanos() / 1e9;
                    double downEndS = (warm.toNanos() + down.toNanos()) / 1e9;
                    if (t < warmS) {
                        result.heapMaxBefore = Math.max(result.heapMaxBefore, heap);
                    } else if (t < downEndS) {
                        result.heapMaxDown = Math.max(result.heapMaxDown, heap);
                    } else {
                        result.heapMaxUp = Math.max(result.heapMaxUp, heap);
                    }
                    nextSample += 500_000_000L;
                }
                Thread.sleep(20);
            }
            result.received = rx.events.get();
        } finally {
            job.cancel().get();
        }
        result.warmSeconds = warm.toMillis() / 1000.0;
        result.downSeconds = down.toMillis() / 1000.0;
        result.upSeconds = up.toMillis() / 1000.0;
        result.seconds = samples.stream().mapToDouble(s -> s[0]).toArray();
        result.heapMb = samples.stream().mapToDouble(s -> s[1]).toArray();
        result.receivedPerSecond = samples.stream().mapToDouble(s -> s[2]).toArray();
        result.heapAfterGcMb = samples.stream().mapToDouble(s -> s[3]).toArray();
        result.afterGcMaxBefore = max(result, 0, warm.toMillis() / 1000.0);
        result.afterGcMaxDown = max(result, warm.toMillis() / 1000.0, (warm.toMillis() + down.toMillis()) / 1000.0);
        result.afterGcMaxUp = max(result, (warm.toMillis() + down.toMillis()) / 1000.0, Double.MAX_VALUE);
        Corpus.deleteTree(bucket);
        return result;
    }

    private static JobClient startContinuous(int parallelism, String inputPath, CountingReceiver rx,
            Duration interval, List<String> extra) throws Exception {
        StreamExecutionEnvironment env = EndToEnd.environment(parallelism);
        List<String> args = new ArrayList<>(List.of(
                "--input.path", inputPath,
                "--input.mode", "continuous",
                "--input.discovery-interval", interval.toMillis() + " ms",
                "--falco.url", rx.url().toString()));
        args.addAll(extra);
        BridgeJob.build(env, BridgeConfig.fromArgs(args.toArray(new String[0])));
        return env.executeAsync("bench continuous");
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static String fmt(double[] a) {
        return Arrays.toString(a);
    }
}
