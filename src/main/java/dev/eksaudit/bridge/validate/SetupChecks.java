package dev.eksaudit.bridge.validate;

import static dev.eksaudit.bridge.config.BridgeOptions.DLQ_PATH;
import static dev.eksaudit.bridge.config.BridgeOptions.FALCO_DRY_RUN;
import static dev.eksaudit.bridge.config.BridgeOptions.INPUT_PROGRESS_PATH;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.InputPaths;
import dev.eksaudit.bridge.falco.FalcoProbe;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The checks a setup needs before it can run, in the order a person fixes them: the input path,
 * the dead-letter path, each Falco URL, the checkpoint storage. {@code --validate} prints them;
 * the job logs them once at start. Each check is bounded in time (storage clients retry on their
 * own; a check that has not answered by then failed).
 */
public final class SetupChecks {

    /** How long one check may take; S3A retries a dead endpoint for longer than a person waits. */
    public static final Duration CHECK_TIMEOUT = Duration.ofSeconds(60);

    private SetupChecks() {}

    public static List<CheckResult> run(BridgeConfig config, StreamExecutionEnvironment env, Path managedFlinkProperties) {
        return run(config, env, managedFlinkProperties, CHECK_TIMEOUT);
    }

    static List<CheckResult> run(BridgeConfig config, StreamExecutionEnvironment env, Path managedFlinkProperties,
            Duration timeout) {
        List<CheckResult> results = new ArrayList<>();
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "setup-check");
            t.setDaemon(true); // a check stuck in a storage client's retries must not keep the JVM up
            return t;
        });
        try {
            for (InputPaths.InputPath input : config.inputPaths().all()) {
                results.add(bounded(pool, InputPathCheck.NAME, timeout, () -> InputPathCheck.check(input.uri)));
            }
            String dlq = config.getOptional(DLQ_PATH).orElse(null);
            results.add(bounded(pool, DeadLetterPathCheck.NAME, timeout, () -> DeadLetterPathCheck.check(dlq)));
            config.getOptional(INPUT_PROGRESS_PATH).ifPresent(progress ->
                    results.add(bounded(pool, ProgressPathCheck.NAME, timeout, () -> ProgressPathCheck.check(progress))));
            results.addAll(falco(pool, config, timeout));
            results.add(CheckpointStorageCheck.check(env, managedFlinkProperties));
        } finally {
            pool.shutdownNow();
        }
        return results;
    }

    /** Input and dead letters: what a bounded run cannot do without (Falco may still come up). */
    public static boolean stopsABoundedRun(CheckResult result) {
        return result.failed() && (result.name().equals(InputPathCheck.NAME) || result.name().equals(DeadLetterPathCheck.NAME));
    }

    private static List<CheckResult> falco(ExecutorService pool, BridgeConfig config, Duration timeout) {
        List<CheckResult> results = new ArrayList<>();
        if (config.get(FALCO_DRY_RUN)) {
            results.add(CheckResult.skipped("falco", FALCO_DRY_RUN.key() + " is true: nothing is sent"));
            return results;
        }
        Future<List<FalcoProbe.Answer>> probe = pool.submit(() -> FalcoProbe.probe(config));
        try {
            for (FalcoProbe.Answer answer : probe.get(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                String name = "falco " + answer.url;
                results.add(answer.ok
                        ? CheckResult.passed(name, "an empty EventList got " + answer.detail)
                        : CheckResult.failed(name, "an empty EventList got " + answer.detail));
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            results.add(CheckResult.failed("falco", cause instanceof IOException || cause instanceof IllegalArgumentException
                    ? cause.getMessage() : FailureDetail.of(cause)));
        } catch (TimeoutException e) {
            probe.cancel(true);
            results.add(CheckResult.failed("falco", "no answer within " + timeout.toSeconds() + " s"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            results.add(CheckResult.failed("falco", "interrupted"));
        }
        return results;
    }

    private static CheckResult bounded(ExecutorService pool, String name, Duration timeout, Callable<CheckResult> check) {
        Future<CheckResult> future = pool.submit(check);
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            return CheckResult.failed(name, "no answer within " + timeout.toSeconds() + " s (endpoint, network or region?)");
        } catch (ExecutionException e) {
            return CheckResult.failed(name, FailureDetail.of(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CheckResult.failed(name, "interrupted");
        }
    }
}
