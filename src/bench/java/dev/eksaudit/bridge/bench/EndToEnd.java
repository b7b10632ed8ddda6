package dev.eksaudit.bridge.bench;

import dev.eksaudit.bridge.BridgeJob;
import dev.eksaudit.bridge.config.BridgeConfig;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Item 2: the real job ({@link BridgeJob#build}) in bounded mode on an embedded Flink, replaying the
 * corpus's hours ({@code --input.start/--input.end}) into the {@link CountingReceiver}.
 */
final class EndToEnd {

    static final class Result {
        String label;
        int parallelism;
        long events;
        long received;
        long eventBytes;
        double wallSeconds;
        /** First to last POST received: the job's steady rate, without the embedded cluster's start. */
        double activeSeconds;
        double[] series; // events/s per second since submission
        String loadBefore;

        double eventsPerSecond() {
            return received / activeSeconds;
        }

        double wallEventsPerSecond() {
            return received / wallSeconds;
        }

        double megabytesPerSecond() {
            return eventBytes / 1e6 / activeSeconds;
        }
    }

    /**
     * Checkpoints to files (the embedded default keeps them in JobManager memory, 5 MB at most, which
     * the sink's buffer exceeds) and no restarts: a failure must end the run, not replay it.
     */
    /** An embedded Flink with one slot per subtask and the bench's checkpoint settings. */
    static StreamExecutionEnvironment environment(int parallelism) {
        Configuration conf = new Configuration();
        conf.setString("taskmanager.numberOfTaskSlots", String.valueOf(parallelism));
        benchSettings(conf);
        return StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    }

    static void benchSettings(Configuration conf) {
        conf.setString("state.checkpoint-storage", "filesystem");
        conf.setString("state.checkpoints.dir",
                java.nio.file.Paths.get("target", "bench", "checkpoints").toAbsolutePath().toUri().toString());
        conf.setString("restart-strategy.type", "none");
    }

    static Result run(String label, String inputPath, int parallelism, Corpus corpus, CountingReceiver rx,
            List<String> extraArgs) throws Exception {
        rx.reset();
        String load = Machine.load();
        StreamExecutionEnvironment env = environment(parallelism);
        List<String> args = new ArrayList<>(List.of(
                "--input.path", inputPath,
                "--input.mode", "bounded",
                "--input.start", Corpus.START.toString(),
                "--input.end", Corpus.end().toString(),
                "--falco.url", rx.url().toString()));
        args.addAll(extraArgs);
        BridgeJob.build(env, BridgeConfig.fromArgs(args.toArray(new String[0])));
        long t0 = System.nanoTime();
        env.execute("bench " + label);
        long t1 = System.nanoTime();
        Result r = new Result();
        r.label = label;
        r.loadBefore = load;
        r.parallelism = parallelism;
        r.events = corpus.events;
        r.received = rx.events.get();
        r.eventBytes = corpus.eventBytes;
        r.wallSeconds = (t1 - t0) / 1e9;
        r.activeSeconds = Math.max(1e-3, (rx.lastNanos - rx.firstNanos) / 1e9);
        r.series = rx.ratePerSecond(t0, t1, 1000);
        if (r.received != corpus.events) {
            System.out.printf("  WARNING %s: receiver counted %,d events, the corpus has %,d%n", label, r.received, corpus.events);
        }
        return r;
    }
}
