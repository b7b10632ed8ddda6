package dev.eksaudit.bridge.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Collects the results and writes docs/benchmarks.md and the plots. */
final class Report {
    private final Path out;
    String machine;
    String machineBefore = Machine.load();
    String machineAfter;
    Instant startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    double totalSeconds;
    Corpus corpus;
    ReferenceDecode reference;
    EndToEnd.Result profiled;
    Profile.Summary profile;
    final List<EndToEnd.Result> endToEnd = new ArrayList<>();
    PerEventPost baseline;
    String referenceLoad = "";
    String baselineLoad = "";
    LiveJobs.Latency latency;
    LiveJobs.Outage outage;
    List<DiscoveryCost.Row> discovery;
    final List<DedupFootprint.Row> dedup = new ArrayList<>();

    Report(Path out) {
        this.out = out;
    }

    void machine(String m) {
        this.machine = m;
    }

    void write() throws IOException {
        plots();
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Written by the benchmark harness (`mvn -B -Pbench -DskipTests test-compile exec:exec@bench`, see the\n")
          .append("README's Benchmarks section) from one run; every number of a table was measured in the same run on the\n")
          .append("same machine, so compare ratios, not absolute times: the machine is shared and noisy.\n\n");
        md.append("Run: ").append(startedAt).append(String.format(", %.0f s in all. ", totalSeconds))
          .append("Load average (1/5/15 min) at the start: ").append(machineBefore).append(", at the end: ")
          .append(machineAfter).append(".\n\n");
        md.append("| Machine | |\n|---|---|\n").append(machine).append('\n');

        md.append("## Summary against the targets\n\n");
        md.append("| Target | Aim | Measured | |\n|---|---|---|---|\n");
        EndToEnd.Result localP2 = find("local files, parallelism 2");
        EndToEnd.Result s3P2 = find("S3, parallelism 2");
        if (localP2 != null) {
            double ratio = localP2.eventsPerSecond() / reference.eventsPerSecond();
            md.append(String.format("| End to end, parallelism 2, local files / reference decode | >= 0.8x | %.2fx | %s |%n", ratio, mark(ratio >= 0.8)));
        }
        if (s3P2 != null) {
            double ratio = s3P2.eventsPerSecond() / reference.eventsPerSecond();
            md.append(String.format("| End to end, parallelism 2, S3 / reference decode | >= 0.8x | %.2fx | %s |%n", ratio, mark(ratio >= 0.8)));
        }
        if (localP2 != null && baseline != null) {
            double ratio = localP2.eventsPerSecond() / baseline.eventsPerSecond();
            md.append(String.format("| End to end, parallelism 2 / one POST per event | >= 20x | %.1fx | %s |%n", ratio, mark(ratio >= 20)));
        }
        if (latency != null) {
            md.append(String.format("| Discovery latency p50 (interval %.0f s) | <= %.0f s | %.2f s (p99 %.2f s) | %s |%n",
                    latency.intervalSeconds, latency.intervalSeconds + 2, latency.p50, latency.p99,
                    mark(latency.p50 <= latency.intervalSeconds + 2)));
        }
        if (discovery != null && !discovery.isEmpty()) {
            DiscoveryCost.Row first = discovery.get(0);
            DiscoveryCost.Row last = discovery.get(discovery.size() - 1);
            boolean flat = last.oursListsSteady <= first.oursListsSteady && last.oursStateBytes <= first.oursStateBytes * 1.05 + 64;
            md.append(String.format("| LISTs per discovery and state, %d -> %d days of history | flat | %d -> %d LISTs, %,d -> %,d bytes | %s |%n",
                    first.days, last.days, first.oursListsSteady, last.oursListsSteady, first.oursStateBytes, last.oursStateBytes, mark(flat)));
        }
        md.append('\n');

        md.append("## Corpus\n\n");
        md.append(String.format("%,d events in %,d objects (%,d events per object, the four layouts in turn), %d hour folders;"
                + " %.1f MB of event JSON (%,.0f bytes per event on average, largest %,d), %.1f MB as stored.%n%n",
                corpus.events, corpus.files.size(), Corpus.EVENTS_PER_OBJECT, Corpus.HOURS, corpus.eventBytes / 1e6,
                corpus.eventBytes / (double) corpus.events, corpus.maxEventBytes, corpus.objectBytes / 1e6));
        md.append("| Event size | < 1 KB | 1-3 KB | 3-20 KB | 20-100 KB | 100-200 KB |\n|---|---|---|---|---|---|\n| Events |");
        for (int c : corpus.sizeHistogram) {
            md.append(String.format(" %,d (%.1f %%) |", c, 100.0 * c / corpus.events));
        }
        md.append("\n\n");

        md.append("## Throughput: the job against the reference decode and the per-event baseline\n\n");
        md.append("Events/s is counted at the receiver from its first to its last POST (the job's steady rate); wall\n")
          .append("is `env.execute()` including the embedded cluster's start and stop. MB/s is event JSON.\n\n");
        md.append("| Run | Events | Seconds | Wall s | Events/s | MB/s | vs reference | vs per-event POST | Load before |\n|---|---|---|---|---|---|---|---|---|\n");
        md.append(String.format("| (1) reference decode: 1 thread, gunzip + Jackson, no Flink | %,d | %.1f | | %,.0f | %.1f | 1.00x | | %s |%n",
                reference.events, reference.nanos / 1e9, reference.eventsPerSecond(), reference.megabytesPerSecond(), referenceLoad));
        for (EndToEnd.Result r : endToEnd) {
            md.append(String.format("| (2) job, %s | %,d | %.1f | %.1f | %,.0f | %.1f | %.2fx | %s | %s |%n", r.label, r.received,
                    r.activeSeconds, r.wallSeconds, r.eventsPerSecond(), r.megabytesPerSecond(),
                    r.eventsPerSecond() / reference.eventsPerSecond(),
                    baseline == null ? "" : String.format("%.1fx", r.eventsPerSecond() / baseline.eventsPerSecond()), r.loadBefore));
        }
        if (baseline != null) {
            md.append(String.format("| (3) one POST per event, sequential, keep-alive (%.0f s budget) | %,d | %.1f | | %,.0f | %.1f | %.2fx | 1.0x | %s |%n",
                    baseline.seconds, baseline.events, baseline.seconds, baseline.eventsPerSecond(),
                    baseline.eventBytes / 1e6 / baseline.seconds, baseline.eventsPerSecond() / reference.eventsPerSecond(), baselineLoad));
        }
        md.append("\n![Throughput over time](throughput.png)\n\n");
        md.append("The receiver runs in the same JVM on the same two cores (it checks every body's EventList layout and\n")
          .append("each item's `kind` and `auditID` at byte speed; a lone Event is parsed with Jackson), so it takes part of\n")
          .append("the CPU the job could use (15-30 % of the profile samples); a remote Falco would not. The per-event\n")
          .append("baseline talks to it over loopback, where a round trip costs ~0.1 ms: against a Falco one network hop\n")
          .append("away (~0.5-1 ms round trip in a VPC) one sequential POST per event cannot exceed 1,000-2,000 events/s,\n")
          .append("while the job's batched, pipelined POSTs (`falco.max-in-flight` 4 x 500 events) are barely affected.\n\n");

        if (latency != null) {
            md.append("## Discovery latency\n\n");
            md.append(String.format("A continuous job (parallelism 1, `--input.discovery-interval %.0f s`, default `falco.batch.max-delay` 1 s)"
                    + " on the in-process S3 server; an object of 10 events PUT every 250 ms into the current hour folder for the"
                    + " run; latency from the PUT's completion to the event's arrival at the receiver.%n%n", latency.intervalSeconds));
            md.append("| Objects | Events | Received | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|---|\n");
            md.append(String.format("| %d | %d | %d | %.2f s | %.2f s | %.2f s | %.2f s |%n%n", latency.objects, latency.events,
                    latency.received, latency.p50, latency.p90, latency.p99, latency.max));
        }

        if (discovery != null) {
            md.append("## Discovery cost: LIST requests and enumerator state against history\n\n");
            md.append("A bucket with hourly folders (two objects each) for the last N days; the FirehoseSource enumerator\n")
              .append("(3 h lookback) and Flink's stock continuous `FileSource` (`NonSplittingRecursiveEnumerator`) on the\n")
              .append("same bucket. A LIST is one folder listing (on S3 one request per 1,000 keys). State: the serialized\n")
              .append("enumerator checkpoint after every discovered object was handed out.\n\n");
            md.append("| History | Objects | Ours: LISTs first / per cycle | Ours: state | Stock: LISTs first / per cycle | Stock: state | Ours: 1st discovery | Stock: 1st discovery |\n")
              .append("|---|---|---|---|---|---|---|---|\n");
            for (DiscoveryCost.Row r : discovery) {
                md.append(String.format("| %d days | %,d | %d / %d | %,d B | %,d / %,d | %,d B | %.0f ms | %.0f ms |%n", r.days, r.objects,
                        r.oursListsFirst, r.oursListsSteady, r.oursStateBytes, r.stockListsFirst, r.stockListsSteady,
                        r.stockStateBytes, r.oursMillis, r.stockMillis));
            }
            md.append('\n');
        }

        if (outage != null) {
            md.append("## Memory during a Falco outage\n\n");
            md.append(String.format("A continuous job (parallelism 1, local bucket, discovery every 1 s) fed 2,000 events/s in objects"
                    + " every 250 ms; the receiver up, then down (connection refused) for %.0f s, then up again for %.0f s."
                    + " Heap is the whole JVM's used heap (job, embedded cluster, harness), sampled every 500 ms, so it"
                    + " includes garbage not yet collected.%n%n", outage.downSeconds, outage.upSeconds));
            double w0 = outage.warmSeconds;
            double w1 = w0 + outage.downSeconds;
            double w2 = w1 + outage.upSeconds + 1;
            md.append("| Phase | Seconds | Events received | Max live heap (after a full GC, every 10 s) | Max heap used (with garbage) |\n|---|---|---|---|---|\n");
            md.append(String.format("| Falco up | 0-%.0f | %,d | %.0f MB | %.0f MB |%n", w0, outage.receivedIn(0, w0), outage.liveMax(0, w0), outage.heapMaxBefore));
            md.append(String.format("| Falco down | %.0f-%.0f | %,d | %.0f MB | %.0f MB |%n", w0, w1, outage.receivedIn(w0, w1), outage.liveMax(w0, w1), outage.heapMaxDown));
            md.append(String.format("| Falco up again | %.0f-%.0f | %,d | %.0f MB | %.0f MB |%n%n", w1, w2 - 1, outage.receivedIn(w1, w2), outage.liveMax(w1, w2), outage.heapMaxUp));
            md.append(String.format("Events written %,d, received %,d by the end (the rest still in the sink's buffer or backing off).%n%n",
                    outage.written, outage.received));
            md.append("![Heap and delivery during a Falco outage](heap-outage.png)\n\n");
        }

        if (!dedup.isEmpty()) {
            md.append("## Dedup state footprint\n\n");
            md.append(String.format("`StageDeduplicator` (key-group tables) and the keyed state of the versions before it (TTL on, one"
                    + " `Integer` bitmask per auditID) fed %,d distinct auditIDs through Flink's operator test harness. Heap: growth of"
                    + " the used heap after full GCs, after a checkpoint (the tables' chunks are then in the state too). Checkpoint:"
                    + " the snapshot's size (RocksDB incremental: the SST files after a flush).%n%n", dedup.get(0).entries));
            md.append("| Backend | Dedup state | Heap bytes/entry | Checkpoint bytes/entry | Inserts/s |\n|---|---|---|---|---|\n");
            for (DedupFootprint.Row r : dedup) {
                md.append(String.format("| %s | %s | %s | %.1f | %,.0f |%n", r.backend, r.key,
                        Double.isNaN(r.heapBytesPerEntry) ? "off-heap (managed memory)" : String.format("%.0f", r.heapBytesPerEntry),
                        r.checkpointBytesPerEntry, r.insertsPerSecond));
            }
            md.append('\n');
            md.append(sizingTable());
        }

        if (profile != null) {
            md.append("## Profile of the end-to-end run\n\n");
            md.append(String.format("JFR (`jdk.ExecutionSample` every 10 ms, plus `jdk.NativeMethodSample` in `Inflater`:"
                    + " gunzip runs in native zlib, which Java samples do not see) over the local-files run at parallelism 2 (%,.0f events/s);"
                    + " %,d samples. Each sample is charged to the first frame from the top of its stack that falls in a bucket"
                    + " (JDK helpers such as `System.arraycopy` or `String` are charged to their caller). The raw recording is"
                    + " `target/bench/e2e-p2.jfr` (`jfr print --events jdk.ExecutionSample`).%n%n", profiled.eventsPerSecond(), profile.samples));
            md.append("| Cost | Share of samples |\n|---|---|\n");
            for (Map.Entry<String, Long> b : profile.buckets) {
                md.append(String.format("| %s | %.1f %% |%n", b.getKey(), 100.0 * b.getValue() / profile.samples));
            }
            md.append("\nHottest methods (self samples):\n\n| Method | Samples |\n|---|---|\n");
            for (Map.Entry<String, Long> m : profile.topMethods) {
                md.append(String.format("| `%s` | %,d |%n", m.getKey(), m.getValue()));
            }
            md.append('\n');
        }
        String analysis = BenchMain.read(Paths.get("src/bench/resources/analysis.md"));
        if (!analysis.isEmpty()) {
            md.append(analysis.trim()).append('\n');
        }
        Files.writeString(out.resolve("benchmarks.md"), md.toString(), StandardCharsets.UTF_8);
    }

    /** events/s x dedup.ttl -> entries, state size; from the measured bytes per entry of the key-group tables. */
    String sizingTable() {
        DedupFootprint.Row now = dedup.stream().filter(r -> r.key.startsWith("key-group")).findFirst().orElse(null);
        if (now == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        sb.append("### Sizing: events/s x `dedup.ttl` -> dedup state\n\n");
        sb.append("Entries = distinct auditIDs remembered = requests/s x TTL. EKS's audit policy omits `RequestReceived`, so\n")
          .append("most requests log one event; the table takes entries = events/s x TTL, an upper bound (two stages per\n")
          .append("request halve it). The key-group tables live on the JVM heap whatever the state backend (measured bytes\n")
          .append("per entry above, the heap backend's), spread over the dedup's subtasks. The heap backend writes all of\n")
          .append("them in every checkpoint (the last column); RocksDB's incremental checkpoints upload each entry once.\n\n");
        sb.append("| Events/s | dedup.ttl | Entries | Heap (all subtasks) | Each checkpoint, heap backend |\n")
          .append("|---|---|---|---|---|\n");
        for (int eps : new int[] {1_000, 5_000, 20_000}) {
            for (int ttlMinutes : new int[] {15, 60, 360}) {
                double entries = (double) eps * ttlMinutes * 60;
                String ttl = ttlMinutes < 60 ? ttlMinutes + " min" : ttlMinutes / 60 + " h";
                sb.append(String.format("| %,d | %s | %s | %s | %s |%n", eps, ttl, count(entries),
                        bytes(entries * now.heapBytesPerEntry), bytes(entries * now.checkpointBytesPerEntry)));
            }
        }
        sb.append('\n');
        return sb.toString();
    }

    static String count(double n) {
        return n >= 1e9 ? String.format("%.1f G", n / 1e9) : n >= 1e6 ? String.format("%.1f M", n / 1e6) : String.format("%.0f k", n / 1e3);
    }

    static String bytes(double b) {
        return b >= 1e9 ? String.format("%.1f GB", b / 1e9) : b >= 1e6 ? String.format("%.0f MB", b / 1e6) : String.format("%.0f kB", b / 1e3);
    }

    private EndToEnd.Result find(String label) {
        return endToEnd.stream().filter(r -> r.label.equals(label)).findFirst().orElse(null);
    }

    private static String mark(boolean ok) {
        return ok ? "met" : "**not met**";
    }

    private void plots() throws IOException {
        Plot p = new Plot("End-to-end throughput over time (events/s at the receiver, 1 s buckets)",
                "seconds since job submission", "events/s");
        double xMax = 0;
        for (EndToEnd.Result r : endToEnd) {
            double[] x = new double[r.series.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 0.5;
            }
            xMax = Math.max(xMax, x.length);
            p.add(r.label, x, r.series);
        }
        p.hline(String.format("(1) reference decode %,.0f/s", reference.eventsPerSecond()), reference.eventsPerSecond(), xMax);
        if (baseline != null) {
            p.hline(String.format("(3) POST per event %,.0f/s", baseline.eventsPerSecond()), baseline.eventsPerSecond(), xMax);
        }
        p.write(out.resolve("throughput.png"));
        if (outage != null && outage.seconds.length > 0) {
            Plot h = new Plot("Falco outage: heap (MB, whole JVM) and deliveries (events/s / 10)", "seconds", "MB  |  events/s / 10");
            h.band("Falco down", outage.warmSeconds, outage.warmSeconds + outage.downSeconds);
            h.add("heap used (MB, with garbage)", outage.seconds, outage.heapMb);
            double[] lx = outage.live.stream().mapToDouble(l -> l[0]).toArray();
            double[] ly = outage.live.stream().mapToDouble(l -> l[1]).toArray();
            h.add("live heap after full GC (MB)", lx, ly);
            double[] scaled = java.util.Arrays.stream(outage.receivedPerSecond).map(v -> v / 10).toArray();
            h.add("events received per second / 10", outage.seconds, scaled);
            h.write(out.resolve("heap-outage.png"));
        }
    }
}
