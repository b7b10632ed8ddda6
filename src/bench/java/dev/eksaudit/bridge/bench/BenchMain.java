package dev.eksaudit.bridge.bench;

import dev.eksaudit.bridge.source.InProcessS3;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs every benchmark of the harness in one JVM, side by side, and writes {@code docs/benchmarks.md},
 * {@code docs/throughput.png} and {@code docs/heap-outage.png}. Arguments: {@code --events N}
 * (corpus size, default 1,000,000), {@code --quick} (smaller sizes and shorter runs, for trying
 * the harness), {@code --out DIR} (default docs).
 */
public final class BenchMain {

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        System.setProperty("java.awt.headless", "true");
        int events = 1_000_000;
        boolean quick = false;
        List<String> jobArgs = List.of(); // extra job options for the end-to-end runs, e.g. "--falco.batch.max-events 2000"
        java.util.Set<String> only = null; // e2e,s3,baseline,latency,outage,discovery,dedup
        Path out = Paths.get("docs");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--events":
                    events = Integer.parseInt(args[++i].replace("_", ""));
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--only":
                    only = java.util.Set.of(args[++i].split(","));
                    break;
                case "--job-args":
                    jobArgs = List.of(args[++i].trim().split("\\s+"));
                    break;
                case "--out":
                    out = Paths.get(args[++i]);
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (quick && events == 1_000_000) {
            events = 60_000;
        }
        Files.createDirectories(out);
        Path work = Paths.get("target", "bench");
        Files.createDirectories(work);
        Report report = new Report(out);
        report.machine(Machine.describe());
        long started = System.nanoTime();

        step("corpus: generating " + String.format("%,d", events) + " events");
        Corpus corpus = Corpus.generate(work.resolve("corpus"), events, 42);
        report.corpus = corpus;
        System.out.printf("  %,d objects, %,d events, %.1f MB of event JSON, %.1f MB in objects, largest event %,d bytes%n",
                corpus.files.size(), corpus.events, corpus.eventBytes / 1e6, corpus.objectBytes / 1e6, corpus.maxEventBytes);

        step("1. reference decode (one thread, gunzip + Jackson, no Flink)");
        ReferenceDecode.run(corpus, null); // JIT warm-up
        report.referenceLoad = Machine.load();
        ReferenceDecode ref = ReferenceDecode.run(corpus, null);
        report.reference = ref;
        System.out.printf("  %,.0f events/s, %.1f MB/s%n", ref.eventsPerSecond(), ref.megabytesPerSecond());

        final java.util.Set<String> sel = only;
        java.util.function.Predicate<String> on = k -> sel == null || sel.contains(k);
        try (CountingReceiver rx = CountingReceiver.start(); InProcessS3 s3 = InProcessS3.start("bench")) {
            if (on.test("e2e")) {
            step("2. end to end: JFR-profiled run (local files, parallelism 2; also the JIT warm-up)");
            var recording = Profile.start();
            EndToEnd.Result profiled = EndToEnd.run("local p2 (JFR)", corpus.root.toUri().toString(), 2, corpus, rx, jobArgs);
            report.profile = Profile.stop(recording, work.resolve("e2e-p2.jfr"));
            report.profiled = profiled;
            System.out.printf("  %,.0f events/s; %,d samples%n", profiled.eventsPerSecond(), report.profile.samples);
            for (Map.Entry<String, Long> b : report.profile.buckets) {
                System.out.printf("    %5.1f %%  %s%n", 100.0 * b.getValue() / report.profile.samples, b.getKey());
            }

            step("2. end to end: local files");
            for (int p : new int[] {1, 2}) {
                EndToEnd.Result r = EndToEnd.run("local files, parallelism " + p, corpus.root.toUri().toString(), p, corpus, rx, jobArgs);
                report.endToEnd.add(r);
                print(r, ref);
            }
            }
            if (on.test("outage")) {
                // Before the corpus goes into the S3 server: its in-memory bucket would dominate the heap.
                step("6. heap during a Falco outage");
                report.outage = LiveJobs.outage(work.resolve("outage-bucket"), rx, 2000,
                        Duration.ofSeconds(quick ? 5 : 10), Duration.ofSeconds(quick ? 15 : 60), Duration.ofSeconds(quick ? 15 : 60));
                System.out.printf("  live heap max before %.0f MB, down %.0f MB, after %.0f MB; written %,d received %,d%n",
                        report.outage.liveMax(0, report.outage.warmSeconds),
                        report.outage.liveMax(report.outage.warmSeconds, report.outage.warmSeconds + report.outage.downSeconds),
                        report.outage.liveMax(report.outage.warmSeconds + report.outage.downSeconds, 1e9),
                        report.outage.written, report.outage.received);
            }
            if (on.test("s3")) {
            step("2. end to end: in-process S3 (uploading the corpus)");
            for (int i = 0; i < corpus.files.size(); i++) {
                s3.put("s3://bench/corpus/" + corpus.relativeKeys.get(i), Files.readAllBytes(corpus.files.get(i)));
            }
            for (int p : new int[] {1, 2}) {
                EndToEnd.Result r = EndToEnd.run("S3, parallelism " + p, "s3://bench/corpus/", p, corpus, rx, jobArgs);
                report.endToEnd.add(r);
                print(r, ref);
            }

            }
            if (on.test("baseline")) {
            step("3. baseline: one POST per event");
            report.baselineLoad = Machine.load();
            report.baseline = PerEventPost.run(corpus, rx, Duration.ofSeconds(quick ? 5 : 20));
            System.out.printf("  %,d events in %.1f s: %,.0f events/s%n", report.baseline.events, report.baseline.seconds,
                    report.baseline.eventsPerSecond());

            }
            if (on.test("latency")) {
            step("4. discovery latency (S3, continuous, discovery every 2 s, a PUT every 250 ms)");
            report.latency = LiveJobs.discoveryLatency(s3, "s3://bench/live/", rx, Duration.ofSeconds(2),
                    Duration.ofMillis(250), Duration.ofSeconds(quick ? 10 : 30));
            System.out.printf("  %d/%d events, p50 %.2f s, p99 %.2f s%n", report.latency.received, report.latency.events,
                    report.latency.p50, report.latency.p99);

            }
        }
        if (on.test("discovery")) {
        step("5. discovery cost: 1, 30, 365 days of hourly folders");
        report.discovery = DiscoveryCost.run(work.resolve("discovery-bucket"), quick ? new int[] {1, 30} : new int[] {1, 30, 365});
        for (DiscoveryCost.Row r : report.discovery) {
            System.out.printf("  %3d days: ours %d LISTs/cycle %,d B state; stock %d LISTs/cycle %,d B state%n",
                    r.days, r.oursListsSteady, r.oursStateBytes, r.stockListsSteady, r.stockStateBytes);
        }

        }
        if (on.test("dedup")) {
        step("7. dedup state footprint");
        int entries = quick ? 100_000 : 500_000;
        for (String[] v : new String[][] {{"tables", "heap"}, {"tables", "rocksdb"}, {"keyed", "heap"}, {"keyed", "rocksdb"}}) {
            DedupFootprint.Row r = DedupFootprint.measure(v[0], v[1], entries, work);
            report.dedup.add(r);
            System.out.printf("  %s, %s: heap %.0f B/entry, checkpoint %.1f B/entry, %,.0f inserts/s%n",
                    r.backend, r.key, r.heapBytesPerEntry, r.checkpointBytesPerEntry, r.insertsPerSecond);
        }

        }
        report.totalSeconds = (System.nanoTime() - started) / 1e9;
        report.machineAfter = Machine.load();
        report.write();
        System.out.printf("%nwrote %s, %s and %s in %.0f s%n", out.resolve("benchmarks.md"), out.resolve("throughput.png"),
                out.resolve("heap-outage.png"), report.totalSeconds);
        System.exit(0); // embedded clusters and s3proxy leave non-daemon threads behind
    }

    private static void print(EndToEnd.Result r, ReferenceDecode ref) {
        System.out.printf("  %s: %,d events, %.1f s (wall %.1f s): %,.0f events/s, %.1f MB/s, %.2fx reference%n",
                r.label, r.received, r.activeSeconds, r.wallSeconds, r.eventsPerSecond(), r.megabytesPerSecond(),
                r.eventsPerSecond() / ref.eventsPerSecond());
    }

    private static void step(String what) {
        System.out.println("== " + what + "  [" + Instant.now() + ", load " + Machine.load() + "]");
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static List<String> lines(String s) {
        return new ArrayList<>(List.of(s.split("\n")));
    }
}
