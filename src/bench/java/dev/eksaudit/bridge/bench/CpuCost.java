package dev.eksaudit.bridge.bench;

import dev.eksaudit.bridge.BridgeJob;
import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.decode.AuditEvent;
import dev.eksaudit.bridge.decode.CloudWatchLogsDecoder;
import dev.eksaudit.bridge.decode.ClusterNames;
import dev.eksaudit.bridge.decode.FirehoseObjectFormat;
import dev.eksaudit.bridge.decode.ObjectRecord;
import dev.eksaudit.bridge.dedup.AuditIdKey;
import dev.eksaudit.bridge.dedup.StageDeduplicator;
import dev.eksaudit.bridge.source.FirehoseSource;
import dev.eksaudit.bridge.source.InProcessS3;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * CPU per event the way a bill counts it: every part in its own JVM (the job, the S3 API server,
 * the receiver, the reference decode), CPU time read from the OS ({@code /proc/<pid>/stat},
 * utime + stime) and taken as the marginal cost between two corpus sizes, so JVM start, JIT and
 * the embedded cluster's start and stop cancel out. The job runs bounded, at parallelism 2, with
 * checkpoints every 30 s, from the S3 server, in three stages added one at a time: source + decode
 * into a discarding sink; + dedup (keyBy shuffle + TTL state); + the Falco sink to the receiver
 * (the whole job, {@link BridgeJob#build}).
 *
 * <p>{@code mvn -B -Pbench -DskipTests test-compile exec:exec@cpu [-Dbench.args="--quick"]};
 * arguments: {@code --quick} (40 and 160 objects instead of 300 and 1,200), {@code --objects A,B},
 * {@code --stages reference,decode,dedup,job}, {@code --no-warmup} (no warm-up run in each child),
 * {@code --long-warmup} (the warm-up over the larger corpus), {@code --warmups N} (the warm-up N times),
 * {@code --repeats N} (N measured runs per child, the one of median CPU reported), {@code --job-jvm "..."} (JVM options
 * of the job's children), {@code --jfr} (JFR "profile" settings, allocation
 * samples included, on the whole job's larger run: {@code target/bench/cpu-job.jfr}),
 * {@code --job-args "..."}, {@code --out FILE} (default target/bench/cpu-per-event.md).
 */
public final class CpuCost {
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux
    private static final Path WORK = Paths.get("target", "bench");

    private CpuCost() {}

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        if (args.length > 0 && args[0].startsWith("child-")) {
            child(args);
            return;
        }
        int[] objects = {300, 1200};
        List<String> stages = List.of("reference", "decode", "dedup", "job");
        boolean jfr = false;
        boolean warmup = true;
        boolean longWarmup = false;
        int warmups = 1;
        int repeats = 1;
        List<String> jobArgs = List.of();
        List<String> jobJvm = List.of();
        Path out = WORK.resolve("cpu-per-event.md");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick":
                    objects = new int[] {40, 160};
                    break;
                case "--objects":
                    String[] o = args[++i].split(",");
                    objects = new int[] {Integer.parseInt(o[0]), Integer.parseInt(o[1])};
                    break;
                case "--stages":
                    stages = List.of(args[++i].split(","));
                    break;
                case "--jfr":
                    jfr = true;
                    break;
                case "--long-warmup":
                    longWarmup = true;
                    break;
                case "--no-warmup":
                    warmup = false;
                    break;
                case "--repeats":
                    repeats = Integer.parseInt(args[++i]);
                    break;
                case "--warmups":
                    warmups = Integer.parseInt(args[++i]);
                    break;
                case "--job-jvm":
                    jobJvm = List.of(args[++i].trim().split("\\s+"));
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
        Files.createDirectories(WORK);
        String started = Instant.now().toString();
        String loadStart = Machine.load();
        Map<Integer, Corpus> corpora = new LinkedHashMap<>();
        for (int n : objects) {
            // The same seed makes the same corpus: one written before (its event count beside it) is reused.
            Path root = WORK.resolve("cpu-corpus-" + n);
            Path count = WORK.resolve("cpu-corpus-" + n + ".events");
            if (Files.exists(count)) {
                Corpus c = Corpus.load(root);
                c.events = Long.parseLong(Files.readString(count).trim());
                corpora.put(n, c);
            } else {
                say("corpus of " + n + " objects");
                Corpus c = Corpus.generate(root, n * Corpus.EVENTS_PER_OBJECT, 42);
                Files.writeString(count, String.valueOf(c.events));
                corpora.put(n, c);
            }
        }
        List<Row> rows = new ArrayList<>();
        try (Child s3 = Child.start("s3", "-Xmx6g", "child-s3", corpora.keySet().stream().map(n -> n + "=" + corpora.get(n).root)
                        .collect(Collectors.joining(",")));
                Child rx = Child.start("receiver", "-Xmx512m", "child-receiver")) {
            String endpoint = s3.ready;
            String rxUrl = rx.ready;
            for (String stage : stages) {
                for (int n : objects) {
                    Corpus c = corpora.get(n);
                    rx.command("reset");
                    long s3Before = s3.cpuTicks();
                    long rxBefore = rx.cpuTicks();
                    Row r = new Row();
                    r.stage = stage;
                    r.objects = n;
                    r.loadBefore = Machine.load();
                    say(stage + ", " + n + " objects (load " + r.loadBefore + ")");
                    List<String> jvm = new ArrayList<>(List.of("-Xmx3g", "-Dbench.warmups=" + warmups));
                    if (!stage.equals("reference")) {
                        jvm.addAll(jobJvm);
                    }
                    if (jfr && stage.equals("job") && n == objects[1]) {
                        jvm.add("-XX:StartFlightRecording=settings=profile,filename=" + WORK.resolve("cpu-job.jfr").toAbsolutePath());
                    }
                    List<String> a = new ArrayList<>();
                    // The warm-up: the same stage over the small corpus in the same JVM first, so the JIT
                    // has compiled the hot code before the measured run (on 2 busy cores C2 is still
                    // compiling after a 300-object run: without it, 6-12 us/event of the "marginal"
                    // cost were compiler threads, a cost a long-running job pays once).
                    int warmObjects = longWarmup ? objects[1] : objects[0];
                    String warm = warmup ? (stage.equals("reference") ? corpora.get(warmObjects).root.toString()
                            : "s3://bench/c" + warmObjects + "/") : "-";
                    if (stage.equals("reference")) {
                        a.addAll(List.of("child-reference", c.root.toString(), warm));
                    } else {
                        a.addAll(List.of("child-job", stage, endpoint, "s3://bench/c" + n + "/", rxUrl, warm));
                        a.addAll(jobArgs);
                    }
                    try (Child job = Child.start(stage, jvm, a)) {
                        job.await("WARM");
                        // Each measured run in turn; the row is the run of median CPU (one run on this
                        // shared machine can be 20-30 % off, and most of that is the run, not the code).
                        List<Row> runs = new ArrayList<>();
                        for (int rep = 0; rep < repeats; rep++) {
                            Row run = new Row();
                            run.stage = stage;
                            run.objects = n;
                            run.loadBefore = r.loadBefore;
                            long baseTicks = job.cpuTicks();
                            Map<String, Long> baseRaw = new LinkedHashMap<>();
                            Map<String, Long> baseGroups = job.ticksByGroup(baseTicks, baseRaw, false);
                            rx.command("reset");
                            long s3Base = s3.cpuTicks();
                            long rxBase = rx.cpuTicks();
                            long t0 = System.nanoTime();
                            job.in.println("go");
                            String[] done = job.await("DONE").split(" ");
                            run.wallSeconds = (System.nanoTime() - t0) / 1e9;
                            long ticks = job.cpuTicks();
                            run.jobCpuSeconds = (ticks - baseTicks) / (double) CLOCK_TICKS;
                            // Sampling goes on until the last run: the task threads of each run end with it.
                            run.groupTicks = job.ticksByGroup(ticks, run.rawTicks, rep == repeats - 1);
                            baseGroups.forEach((g, t) -> run.groupTicks.merge(g, -t, Long::sum));
                            baseRaw.forEach((g, t) -> run.rawTicks.merge(g, -t, Long::sum));
                            run.events = Long.parseLong(done[1]);
                            run.runSeconds = Double.parseDouble(done[2]);
                            run.s3CpuSeconds = (s3.cpuTicks() - s3Base) / (double) CLOCK_TICKS;
                            run.rxCpuSeconds = (rx.cpuTicks() - rxBase) / (double) CLOCK_TICKS;
                            if (stage.equals("job")) {
                                long received = Long.parseLong(rx.command("count").split(" ")[1]);
                                if (received != c.events) {
                                    System.out.printf("  WARNING: receiver counted %,d, the corpus has %,d%n", received, c.events);
                                }
                                run.events = received;
                            } else if (run.events != c.events) {
                                System.out.printf("  WARNING: %s counted %,d events, the corpus has %,d%n", stage, run.events, c.events);
                            }
                            if (repeats > 1) {
                                System.out.printf("  run %d: %.2f s CPU%n", rep + 1, run.jobCpuSeconds);
                            }
                            runs.add(run);
                        }
                        runs.sort(java.util.Comparator.comparingDouble(x -> x.jobCpuSeconds));
                        Row median = runs.get(runs.size() / 2);
                        median.loadBefore = r.loadBefore;
                        r = median;
                    }
                    r.loadAfter = Machine.load();
                    System.out.printf("  %,d events; job process %.2f s CPU, %.1f s wall (run %.1f s); S3 %.2f s; receiver %.2f s%n",
                            r.events, r.jobCpuSeconds, r.wallSeconds, r.runSeconds, r.s3CpuSeconds, r.rxCpuSeconds);
                    System.out.println("  by thread (s): " + r.rawTicks.entrySet().stream()
                            .filter(e -> e.getValue() > 0)
                            .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                            .map(e -> e.getKey() + " " + String.format("%.2f", e.getValue() / (double) CLOCK_TICKS))
                            .collect(Collectors.joining(", ")));
                    rows.add(r);
                }
            }
        }
        String md = table(rows, objects, started, loadStart, Machine.load());
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md);
        System.out.println();
        System.out.println(md);
        System.out.println("wrote " + out);
        System.exit(0);
    }

    static final class Row {
        String stage;
        int objects;
        long events;
        double jobCpuSeconds;
        double s3CpuSeconds;
        double rxCpuSeconds;
        double wallSeconds;
        double runSeconds;
        String loadBefore;
        String loadAfter;
        Map<String, Long> groupTicks = new LinkedHashMap<>();
        Map<String, Long> rawTicks = new java.util.TreeMap<>();
    }

    private static String table(List<Row> rows, int[] objects, String started, String loadStart, String loadEnd) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Run %s, %s vs %s objects (%d events each); load average (1/5/15 min) %s at the start, %s at the end.%n%n",
                started, String.format("%,d", objects[0]), String.format("%,d", objects[1]), Corpus.EVENTS_PER_OBJECT, loadStart, loadEnd));
        sb.append("| Stage | Job CPU us/event (marginal) | vs reference | S3 server us/event | Receiver us/event "
                + "| Events/s (execute, larger run) | Job CPU s small / large | Load before small / large |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        Map<String, Row[]> byStage = new LinkedHashMap<>();
        for (Row r : rows) {
            byStage.computeIfAbsent(r.stage, k -> new Row[2])[r.objects == objects[0] ? 0 : 1] = r;
        }
        double ref = Double.NaN;
        for (Map.Entry<String, Row[]> e : byStage.entrySet()) {
            Row a = e.getValue()[0];
            Row b = e.getValue()[1];
            if (a == null || b == null) {
                continue;
            }
            double events = b.events - a.events;
            double job = (b.jobCpuSeconds - a.jobCpuSeconds) / events * 1e6;
            double s3 = (b.s3CpuSeconds - a.s3CpuSeconds) / events * 1e6;
            double rx = (b.rxCpuSeconds - a.rxCpuSeconds) / events * 1e6;
            if (e.getKey().equals("reference")) {
                ref = job;
            }
            sb.append(String.format("| %s | %.1f | %.2fx | %s | %s | %,.0f | %.1f / %.1f | %s / %s |%n",
                    label(e.getKey()), job, job / ref,
                    e.getKey().equals("reference") ? "" : String.format("%.1f", s3),
                    e.getKey().equals("job") ? String.format("%.1f", rx) : "",
                    b.events / b.runSeconds, a.jobCpuSeconds, b.jobCpuSeconds, a.loadBefore, b.loadBefore));
        }
        sb.append("\nJob CPU us/event (marginal) by thread group (Linux thread names from /proc/<pid>/task, sampled every 50 ms):\n\n");
        sb.append("| Stage | ").append(String.join(" | ", GROUPS)).append(" |\n");
        sb.append("|---|").append("---|".repeat(GROUPS.size())).append("\n");
        for (Map.Entry<String, Row[]> e : byStage.entrySet()) {
            Row a = e.getValue()[0];
            Row b = e.getValue()[1];
            if (a == null || b == null) {
                continue;
            }
            double events = b.events - a.events;
            sb.append("| ").append(label(e.getKey())).append(" |");
            for (String g : GROUPS) {
                double us = (b.groupTicks.getOrDefault(g, 0L) - a.groupTicks.getOrDefault(g, 0L)) / (double) CLOCK_TICKS / events * 1e6;
                sb.append(String.format(" %.1f |", us));
            }
            sb.append("\n");
        }
        return sb.toString();
    }

    private static String label(String stage) {
        switch (stage) {
            case "reference":
                return "reference decode (1 thread, local files, gunzip + Jackson)";
            case "decode":
                return "source + decode -> discarding sink";
            case "dedup":
                return "+ dedup (keyBy shuffle, key-group tables) -> discarding sink";
            case "job":
                return "+ Falco sink -> receiver (the whole job)";
            default:
                return stage;
        }
    }

    private static void say(String what) {
        System.out.println("== " + what + "  [" + Instant.now() + "]");
    }

    // ---------------------------------------------------------------- children

    /** A child JVM speaking a line protocol on stdin/stdout; its CPU read from /proc. */
    static final class Child implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final PrintStream in;
        final String ready;
        final String name;

        private Child(String name, Process process) throws IOException {
            this.name = name;
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            startSampling();
            this.ready = await("READY").substring("READY".length()).trim();
        }

        static Child start(String name, String heap, String... args) throws IOException {
            return start(name, List.of(heap), List.of(args));
        }

        static Child start(String name, List<String> jvm, List<String> args) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("-Dlog4j")) {
                    cmd.add(a);
                }
            }
            cmd.add("-XX:+UseG1GC");
            cmd.addAll(jvm);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(CpuCost.class.getName());
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(WORK.resolve("cpu-" + name + ".log").toFile());
            return new Child(name, pb.start());
        }

        /** Lines until one starting with {@code word} (other lines are echoed). */
        String await(String word) throws IOException {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(word)) {
                    return line;
                }
                System.out.println("  [" + name + "] " + line);
            }
            throw new IOException(name + " ended before " + word + "; see " + WORK.resolve("cpu-" + name + ".log"));
        }

        String command(String c) throws IOException {
            in.println(c);
            return await("OK");
        }

        /**
         * utime + stime of every live thread, by thread name ({@code /proc/<pid>/task/<tid>/stat};
         * the kernel keeps the first 15 characters of a name), sampled every 50 ms from the start so
         * that threads which end before the process (a bounded job's task threads) are counted with
         * what they had used at their last sample.
         */
        private final Map<Long, Object[]> threads = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile boolean sampling = true;

        private void startSampling() {
            Thread t = new Thread(() -> {
                while (sampling && process.isAlive()) {
                    sampleThreads();
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "thread-cpu-" + name);
            t.setDaemon(true);
            t.start();
        }

        void sampleThreads() {
            Path dir = Paths.get("/proc", String.valueOf(process.pid()), "task");
            try (Stream<Path> tasks = Files.list(dir)) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    try {
                        String stat = Files.readString(task.resolve("stat"));
                        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        threads.put(Long.parseLong(task.getFileName().toString()), new Object[] {comm, ticks});
                    } catch (IOException | RuntimeException gone) {
                        // the thread ended between the listing and the read: its last sample stands
                    }
                }
            } catch (IOException | RuntimeException gone) {
                // the process is ending
            }
        }

        /** CPU ticks by thread group ({@link #group}), plus what ended unsampled, against {@code total}. */
        Map<String, Long> ticksByGroup(long total, Map<String, Long> rawOut, boolean last) {
            sampling = !last;
            sampleThreads();
            Map<String, Long> groups = new LinkedHashMap<>();
            for (String g : GROUPS) {
                groups.put(g, 0L);
            }
            long sum = 0;
            for (Object[] t : threads.values()) {
                String comm = (String) t[0];
                long ticks = (Long) t[1];
                groups.merge(group(comm), ticks, Long::sum);
                rawOut.merge(comm.replaceAll("[0-9]+", "#"), ticks, Long::sum);
                sum += ticks;
            }
            groups.merge("other", Math.max(0, total - sum), Long::sum); // threads that ended between samples
            return groups;
        }

        /** utime + stime of the process, in clock ticks, from the OS. */
        long cpuTicks() throws IOException {
            String stat = Files.readString(Paths.get("/proc", String.valueOf(process.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat(5)
        }

        @Override
        public void close() throws Exception {
            in.println("quit");
            in.close();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** Thread groups of the job's JVM, in report order. */
    static final List<String> GROUPS = List.of(
            "S3 fetcher (read, gunzip, framing)", "source task (decode)", "dedup task (+ sink writer)",
            "HTTP client I/O", "checkpoint async", "GC", "JIT", "other");

    /** A thread's group by its (truncated) Linux name. */
    static String group(String comm) {
        if (comm.startsWith("Source Data Fet")) {
            return GROUPS.get(0);
        } else if (comm.startsWith("Source: ")) {
            return GROUPS.get(1);
        } else if (comm.startsWith("Drop repeated") || comm.startsWith("KeyedProcess") || comm.startsWith("Falco k8saudit")) {
            return GROUPS.get(2);
        } else if (comm.startsWith("httpclient")) {
            return GROUPS.get(3);
        } else if (comm.startsWith("AsyncOperation") || comm.startsWith("jobmanager-io") || comm.startsWith("Checkpoint")) {
            return GROUPS.get(4);
        } else if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
            return GROUPS.get(5);
        } else if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
            return GROUPS.get(6);
        }
        return GROUPS.get(7);
    }

    private static void child(String[] args) throws Exception {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        switch (args[0]) {
            case "child-s3": {
                InProcessS3 s3 = InProcessS3.start("bench");
                for (String spec : args[1].split(",")) {
                    String[] kv = spec.split("=", 2);
                    Path root = Paths.get(kv[1]);
                    try (Stream<Path> files = Files.walk(root)) {
                        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                            s3.putDirect("bench", "c" + kv[0] + "/" + root.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
                        }
                    }
                }
                System.out.println("READY " + s3.endpoint());
                while (!"quit".equals(stdin.readLine())) {
                    // serve until told
                }
                System.exit(0);
                break;
            }
            case "child-receiver": {
                CountingReceiver rx = CountingReceiver.start();
                System.out.println("READY " + rx.url());
                String line;
                while ((line = stdin.readLine()) != null && !line.equals("quit")) {
                    if (line.equals("reset")) {
                        rx.reset();
                        System.out.println("OK");
                    } else if (line.equals("count")) {
                        System.out.println("OK " + rx.events.get());
                    }
                }
                System.exit(0);
                break;
            }
            case "child-reference": {
                System.out.println("READY");
                for (int w = 0; w < WARMUPS && !args[2].equals("-"); w++) {
                    ReferenceDecode.run(Corpus.load(Paths.get(args[2])), null);
                }
                System.out.println("WARM");
                Corpus c = Corpus.load(Paths.get(args[1]));
                // "go" for each measured run; the parent reads our CPU time between them.
                while ("go".equals(stdin.readLine())) {
                    ReferenceDecode r = ReferenceDecode.run(c, null);
                    System.out.println("DONE " + r.events + " " + r.nanos / 1e9);
                }
                System.exit(0);
                break;
            }
            case "child-job": {
                System.out.println("READY");
                List<String> extra = List.of(args).subList(6, args.length);
                for (int w = 0; w < WARMUPS && !args[5].equals("-"); w++) {
                    job(args[1], URI.create(args[2]), args[5], args[4], extra);
                }
                System.out.println("WARM");
                while ("go".equals(stdin.readLine())) {
                    SEEN.reset();
                    long events = job(args[1], URI.create(args[2]), args[3], args[4], extra);
                    System.out.println("DONE " + events + " " + lastRunSeconds);
                }
                System.exit(0);
                break;
            }
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    private static double lastRunSeconds;
    /**
     * How often a child runs its warm-up before the measured run ({@code --warmups}, default 1). On
     * 2 busy cores C2 keeps compiling for minutes; several warm-ups get the measured runs close to
     * the steady state of a job that runs for days, where compilation is long over.
     */
    private static final int WARMUPS = Integer.getInteger("bench.warmups", 1);

    /** Events the last stage saw in this JVM (the discarding stages). */
    static final LongAdder SEEN = new LongAdder();

    private static long job(String stage, URI s3, String input, String falcoUrl, List<String> extra) throws Exception {
        // The job's own S3 settings (flink-conf/config.yaml, as a local run loads them), pointed at the bench server.
        Configuration fs = GlobalConfiguration.loadConfiguration("flink-conf");
        fs.addAll(InProcessS3.flinkConfiguration(s3));
        FileSystem.initialize(fs, null);
        Configuration conf = new Configuration();
        conf.setString("taskmanager.numberOfTaskSlots", "2");
        conf.setString("execution.checkpointing.interval", "30 s");
        EndToEnd.benchSettings(conf);
        // --job-jvm "-Dbench.flink=key=value;key=value": Flink settings to compare (the state backend).
        for (String kv : System.getProperty("bench.flink", "").split(";")) {
            if (!kv.isBlank()) {
                conf.setString(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
        List<String> a = new ArrayList<>(List.of(
                "--input.path", input,
                "--input.mode", "bounded",
                "--input.start", Corpus.START.toString(),
                "--input.end", Corpus.end().toString(),
                "--falco.url", falcoUrl));
        a.addAll(extra);
        BridgeConfig config = BridgeConfig.fromArgs(a.toArray(new String[0]));
        if (stage.equals("job")) {
            BridgeJob.build(env, config);
        } else {
            // BridgeJob.build's first operators, as it wires them, ending in a discarding sink.
            env.getConfig().enableObjectReuse();
            DataStream<ObjectRecord> records = env
                    .fromSource(FirehoseSource.fromConfig(config, FirehoseObjectFormat.fromConfig(config)),
                            WatermarkStrategy.noWatermarks(), "S3 objects");
            DataStream<AuditEvent> events = records.process(new CloudWatchLogsDecoder(
                    config.get(dev.eksaudit.bridge.config.BridgeOptions.DECODE_LOG_STREAM_PREFIX),
                    config.bytes(dev.eksaudit.bridge.config.BridgeOptions.FALCO_MAX_EVENT_BYTES),
                    ClusterNames.fromConfig(config)));
            if (stage.equals("dedup")) {
                events = events.keyBy(new AuditIdKey())
                        .transform("Drop repeated events", events.getType(), new StageDeduplicator(config.dedupTtl()));
            }
            events.filter(e -> {
                SEEN.increment();
                return false;
            }).sinkTo(new DiscardingSink<>());
        }
        long t0 = System.nanoTime();
        env.execute("cpu " + stage);
        lastRunSeconds = (System.nanoTime() - t0) / 1e9;
        return stage.equals("job") ? -1 : SEEN.sum();
    }
}
