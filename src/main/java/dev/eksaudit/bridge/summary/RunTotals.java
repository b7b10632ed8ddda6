package dev.eksaudit.bridge.summary;

import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobExecutionResult;

/**
 * Totals of one run, as Flink accumulators (they come back with the {@link JobExecutionResult}),
 * and the one summary line a bounded run ends with. Metrics would not: they leave with the cluster.
 * Accumulators count the last attempt of the job (a restart from a checkpoint starts them anew).
 */
public final class RunTotals {

    /** Objects opened by the decoder. */
    public static final String OBJECTS = "objects";
    /** Unique events the deduplicator passed on to the Falco sink. */
    public static final String EVENTS_TO_FALCO = "eventsToFalco";
    /** Events dropped as repeats. */
    public static final String DUPLICATES = "duplicatesDropped";
    /** Prefix of the decoder's dead letters by reason, e.g. {@code deadLetters.not-json}. */
    public static final String DEAD_LETTERS = "deadLetters.";

    private RunTotals() {}

    public static String deadLetters(DeadLetterReason reason) {
        return DEAD_LETTERS + reason.code();
    }

    /**
     * e.g. {@code Bounded run finished in 12.3 s: 4 objects, 96 events to Falco, 3 duplicates
     * dropped, dead letters: not-audit-event 1}.
     */
    public static String summary(JobExecutionResult result) {
        Map<String, Object> all = result.getAllAccumulatorResults();
        Map<String, Long> deadLetters = new TreeMap<>();
        all.forEach((name, value) -> {
            if (name.startsWith(DEAD_LETTERS) && value instanceof Number && ((Number) value).longValue() > 0) {
                deadLetters.put(name.substring(DEAD_LETTERS.length()), ((Number) value).longValue());
            }
        });
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "Bounded run finished in %.1f s: %d objects, %d events to Falco, %d duplicates dropped, dead letters: ",
                Duration.ofMillis(result.getNetRuntime()).toMillis() / 1000.0,
                count(all, OBJECTS), count(all, EVENTS_TO_FALCO), count(all, DUPLICATES)));
        if (deadLetters.isEmpty()) {
            line.append("none");
        } else {
            StringBuilder reasons = new StringBuilder();
            deadLetters.forEach((reason, n) -> reasons.append(reasons.length() == 0 ? "" : ", ").append(reason).append(' ').append(n));
            line.append(reasons);
        }
        return line.toString();
    }

    private static long count(Map<String, Object> all, String name) {
        Object value = all.get(name);
        return value instanceof Number ? ((Number) value).longValue() : 0;
    }
}
