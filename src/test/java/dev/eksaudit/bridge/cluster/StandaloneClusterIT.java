package dev.eksaudit.bridge.cluster;

import static dev.eksaudit.bridge.cluster.FlinkRest.await;
import static dev.eksaudit.bridge.cluster.FlinkRest.awaitValue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eksaudit.bridge.PipelineFixture;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import dev.eksaudit.bridge.source.FaultyS3Proxy;
import dev.eksaudit.bridge.source.InProcessS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shaded job jar on a Flink standalone session cluster of separate JVMs (one JobManager, two
 * TaskManagers, the S3 file system as a plugin), submitted through the REST API as a user would,
 * reading the in-process S3 server and posting to a Falco-like receiver; one TaskManager is
 * killed with SIGKILL mid-run and replaced.
 *
 * <p>Checkpoints are triggered through the REST API at known points instead of on a timer (the
 * interval is set, but far beyond the test), so the replay window after the kill is known exactly:
 * the objects read after the last checkpoint. That turns "no object is read twice into the
 * pipeline" and "duplicates come only from the replay window" into exact assertions.
 */
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
class StandaloneClusterIT {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration DELIVERY = Duration.ofSeconds(90);
    private static final int REQUESTS_PER_OBJECT = 10;
    private static final String DECODER = "Decode CloudWatch Logs records";
    private static final String DEDUP = "Drop repeated events";

    private static InProcessS3 s3;
    /** In front of the S3 server for the cluster only (no faults): it logs what the cluster asks for. */
    private static FaultyS3Proxy proxy;
    private static FalcoWebhookReceiver falco;
    private static StandaloneCluster cluster;
    private static FlinkRest rest;
    private static Path home;

    /** Object key to body, in PUT order, and the "auditID/stage" keys each one adds. */
    private PipelineFixture fixture;

    @BeforeAll
    static void startCluster() throws Exception {
        s3 = InProcessS3.start("audit");
        proxy = FaultyS3Proxy.start(s3);
        // The test's own PUTs go straight to the server, so the proxy sees the cluster's requests only.
        org.apache.flink.core.fs.FileSystem.initialize(InProcessS3.flinkConfiguration(s3.endpoint()), null);
        falco = FalcoWebhookReceiver.start();
        home = Files.createDirectories(Path.of("target", "standalone-cluster",
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString().replace(':', '-')).toAbsolutePath());

        Map<String, String> settings = new LinkedHashMap<>(InProcessS3.flinkConfiguration(proxy.endpoint()).toMap());
        settings.put("state.backend.type", "hashmap");
        settings.put("execution.checkpointing.dir", home.resolve("checkpoints").toUri().toString());
        // Enabled (the job keeps the cluster's setting), but the test triggers every checkpoint itself;
        // the min-pause keeps the randomised first periodic one out of the test's few minutes.
        settings.put("execution.checkpointing.interval", "1 h");
        settings.put("execution.checkpointing.min-pause", "50 min");
        settings.put("restart-strategy.type", "fixed-delay");
        settings.put("restart-strategy.fixed-delay.attempts", "20");
        // Longer than the heartbeat timeout: by the time the job restarts, the JobManager has
        // dropped the killed TaskManager's slots, so there is exactly one restore (a restart onto
        // the dead TaskManager would fail and restore a second time, blurring per-attempt counts).
        settings.put("restart-strategy.fixed-delay.delay", "6 s");
        // Notice the killed TaskManager in seconds, not the default 50.
        settings.put("heartbeat.interval", "1000");
        settings.put("heartbeat.timeout", "5000");
        // One subtask of each operator per TaskManager, so the kill always hits running tasks.
        // (taskmanager.load-balance.mode: Flink 2.x dropped 1.x's cluster.evenly-spread-out-slots.)
        settings.put("taskmanager.load-balance.mode", "SLOTS");
        settings.put("metrics.fetcher.update-interval", "500");
        cluster = StandaloneCluster.configure(home, settings);
        rest = new FlinkRest(cluster.restPort());

        try {
            cluster.startJobManager();
            rest.awaitUp(STARTUP);
            cluster.startTaskManager("tm-1");
            cluster.startTaskManager("tm-2");
            awaitTaskManagers(Set.of("tm-1", "tm-2"));
        } catch (Throwable t) {
            printLogs();
            throw t;
        }
    }

    private static void printLogs() {
        System.err.println("Cluster logs (full files under " + home + "):" + cluster.logTails(60));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (falco != null) {
            falco.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void deliversEverythingAcrossATaskManagerKill() throws Throwable {
        try {
            run();
        } catch (Throwable t) {
            printLogs();
            throw t;
        }
    }

    private void run() throws Exception {
        fixture = new PipelineFixture("s3://audit/eks/", Instant.now().minus(Duration.ofMinutes(100)), 7)
                .addObjects(16, REQUESTS_PER_OBJECT);
        List<String> keys = fixture.keys();
        List<String> checkpointed = keys.subList(0, 6);
        List<String> replayWindow = keys.subList(6, 11);
        List<String> putAroundKill = keys.subList(11, 16);

        // 1. Submit the job jar a user builds, through the REST API.
        fixture.put(s3, checkpointed.subList(0, 3));
        String jarId = rest.uploadJar(jobJar());
        String job = rest.runJar(jarId, List.of(
                "--input.path", "s3://audit/eks/",
                "--input.discovery-interval", "1 s",
                "--falco.url", falco.url().toString(),
                "--falco.batch.max-delay", "100 ms"), 2);
        awaitAllTasksRunning(job, 0);
        String decoder = rest.vertexId(job, DECODER);
        String dedup = rest.vertexId(job, DEDUP);
        fixture.put(s3, checkpointed.subList(3, 6));

        // 2. Everything so far delivered, then a checkpoint that covers it.
        falco.awaitEventCount(fixture.keysOf(checkpointed).size(), DELIVERY);
        long checkpointId = checkpoint(job);
        assertThat(objectsRead(job, decoder, checkpointed.size())).as("objects read before the checkpoint").isEqualTo(checkpointed.size());

        // 3. The replay window: read and delivered after the checkpoint, before the kill.
        fixture.put(s3, replayWindow);
        falco.awaitEventCount(fixture.keysOf(checkpointed).size() + fixture.keysOf(replayWindow).size(), DELIVERY);
        int readBeforeKill = checkpointed.size() + replayWindow.size();
        assertThat(objectsRead(job, decoder, readBeforeKill)).as("objects read before the kill").isEqualTo(readBeforeKill);
        assertThat(falco.eventKeys()).as("deliveries before the kill").doesNotHaveDuplicates();

        // 4. SIGKILL a TaskManager running the job while objects keep arriving; a new one replaces it.
        String victim = taskManagersOf(job, decoder).stream().sorted().findFirst().orElseThrow();
        fixture.put(s3, putAroundKill.subList(0, 1));
        cluster.kill(victim);
        fixture.put(s3, putAroundKill.subList(1, 3));
        cluster.startTaskManager("tm-3");
        fixture.put(s3, putAroundKill.subList(3, putAroundKill.size()));

        // 5. The job recovers on its own from the checkpoint and delivers the rest.
        awaitAllTasksRunning(job, 1);
        awaitTaskManagers(Set.of("tm-1", "tm-2", "tm-3").stream().filter(tm -> !tm.equals(victim)).collect(Collectors.toSet()));
        TreeSet<String> expected = new TreeSet<>(fixture.keysOf(keys));
        await("every expected event at the receiver", DELIVERY,
                () -> new HashSet<>(falco.eventKeys()).containsAll(expected) ? Optional.of(true) : Optional.empty());

        // The restored attempt read exactly what the checkpoint had not covered, each object once.
        int afterCheckpoint = replayWindow.size() + putAroundKill.size();
        assertThat(objectsRead(job, decoder, afterCheckpoint)).as("objects read by the restored attempt").isEqualTo(afterCheckpoint);
        // Its dedup state came back too: each object's repeats of the previous one are dropped,
        // including the first object's repeats of the last checkpointed object.
        assertThat(awaitSum(job, dedup, "duplicatesDropped", 3L * afterCheckpoint)).isEqualTo(3L * afterCheckpoint);

        List<String> received = falco.eventKeys();
        Map<String, Integer> arrivals = new HashMap<>();
        received.forEach(k -> arrivals.merge(k, 1, Integer::sum));
        Set<String> duplicated = arrivals.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
        int duplicateDeliveries = received.size() - arrivals.size();
        System.out.printf("StandaloneClusterIT: %d events expected, %d deliveries, %d duplicate deliveries "
                        + "(%d distinct events), %d objects in the replay window (%d events), killed %s, restored checkpoint %d%n",
                expected.size(), received.size(), duplicateDeliveries, duplicated.size(), replayWindow.size(),
                fixture.keysOf(replayWindow).size(), victim, checkpointId);

        assertThat(arrivals.keySet()).as("nothing arrives that was not sent").isEqualTo(expected);
        assertThat(falco.droppedCount()).isZero();
        // At-least-once delivery after a failure: only events after the checkpoint may come twice
        // (the old attempt on the surviving TaskManager may still deliver some of the objects PUT
        // around the kill before it is cancelled); all of the replay window does, as it is read
        // again; nothing the checkpoint covered does.
        assertThat(duplicated).as("duplicates are events after the checkpoint")
                .containsAll(fixture.keysOf(replayWindow))
                .isSubsetOf(fixture.keysOf(keys.subList(checkpointed.size(), keys.size())))
                .doesNotContainAnyElementsOf(fixture.keysOf(checkpointed));
        assertThat(arrivals.values()).as("no event more than twice").allMatch(n -> n <= 2);

        // The readers on the cluster (S3 plugin, S3A) opened every object with its listed length:
        // GETs, no HEAD. The one HEAD is the start-up check's probe of the newest object at submit.
        long heads = 0;
        for (String key : keys) {
            List<String> requests = proxy.requests(key);
            heads += proxy.requests(key, "HEAD");
            assertThat(requests).as("the cluster's requests for %s", key)
                    .anyMatch(r -> r.startsWith("GET bytes=")).allMatch(r -> r.startsWith("GET bytes=") || r.equals("HEAD"));
        }
        assertThat(heads).as("HEADs of objects (the start-up check's probe)").isEqualTo(1);

        JsonNode status = rest.get("/jobs/" + job);
        assertThat(status.get("state").asText()).isEqualTo("RUNNING");
        assertThat(status.get("timestamps").get("FAILED").asLong()).as("the job never failed").isZero();
        assertThat(status.get("timestamps").get("RESTARTING").asLong()).as("the job restarted").isPositive();
        assertThat(rest.get("/jobs/" + job + "/checkpoints").get("latest").get("restored").get("id").asLong())
                .as("restored from the checkpoint taken before the kill").isEqualTo(checkpointId);
        assertThat(rest.get("/jobs/" + job + "/exceptions").toString()).as("the exception history names the lost TaskManager")
                .contains(victim);

        rest.patch("/jobs/" + job + "?mode=cancel");
        awaitValue("job " + job + " CANCELED", STARTUP, () -> Optional.of(rest.jobStatus(job)), "CANCELED"::equals);
    }

    /** The shaded jar of this build, for this build's Flink: failsafe names it in {@code bridge.jar}. */
    private static Path jobJar() {
        String name = System.getProperty("bridge.jar");
        if (name == null || name.isBlank()) {
            throw new IllegalStateException("system property bridge.jar is missing (set by failsafe from the pom)");
        }
        Path jar = Path.of(name);
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("no shaded job jar " + jar + ": run mvn verify");
        }
        return jar;
    }

    /** Triggers a checkpoint through the REST API and waits for it to complete; returns its id. */
    private static long checkpoint(String job) throws Exception {
        String trigger = rest.post("/jobs/" + job + "/checkpoints", Map.of("checkpointType", "FULL")).get("request-id").asText();
        JsonNode done = awaitValue("checkpoint of " + job, DELIVERY,
                () -> Optional.of(rest.get("/jobs/" + job + "/checkpoints/" + trigger)),
                answer -> "COMPLETED".equals(answer.path("status").path("id").asText()));
        JsonNode operation = done.get("operation");
        if (operation.hasNonNull("failure-cause")) {
            throw new AssertionError("checkpoint failed: " + operation.get("failure-cause"));
        }
        return operation.get("checkpointId").asLong();
    }

    /**
     * The decoder's {@code objectsRead} over the current attempts, once it has reached {@code atLeast}
     * (the metric fetcher lags); a re-read object shows as a larger value.
     */
    private static long objectsRead(String job, String vertex, long expected) throws Exception {
        return awaitSum(job, vertex, "objectsRead", expected);
    }

    /**
     * The metric's sum over the subtasks once it has read {@code expected} for two seconds on end
     * (four metric fetches), or its last value at the deadline. Right after a restore the REST
     * metric store can still hold the old attempt's value for one subtask beside the new
     * attempt's for another, so a single reading may over- or under-count.
     */
    private static long awaitSum(String job, String vertex, String metric, long expected) throws Exception {
        Instant end = Instant.now().plus(DELIVERY);
        Instant equalSince = null;
        long last = -1;
        while (Instant.now().isBefore(end)) {
            try {
                last = rest.subtaskSum(job, vertex, metric).orElse(-1L);
            } catch (java.io.IOException e) {
                last = -1; // the vertex is being redeployed
            }
            if (last != expected) {
                equalSince = null;
            } else if (equalSince == null) {
                equalSince = Instant.now();
            } else if (Duration.between(equalSince, Instant.now()).compareTo(Duration.ofSeconds(2)) >= 0) {
                return last;
            }
            Thread.sleep(200);
        }
        return last;
    }

    /** Every subtask of every vertex RUNNING in an attempt numbered at least {@code minAttempt}. */
    private static void awaitAllTasksRunning(String job, int minAttempt) throws Exception {
        await("all tasks of " + job + " RUNNING in attempt >= " + minAttempt, DELIVERY, () -> {
            JsonNode status = rest.get("/jobs/" + job);
            if (!"RUNNING".equals(status.get("state").asText())) {
                return Optional.empty();
            }
            for (JsonNode vertex : status.get("vertices")) {
                JsonNode subtasks = rest.get("/jobs/" + job + "/vertices/" + vertex.get("id").asText()).get("subtasks");
                for (JsonNode subtask : subtasks) {
                    if (!"RUNNING".equals(subtask.get("status").asText()) || subtask.get("attempt").asInt() < minAttempt) {
                        return Optional.empty();
                    }
                }
            }
            return Optional.of(true);
        });
    }

    /** The resource ids of the TaskManagers running subtasks of {@code vertex}. */
    private static Set<String> taskManagersOf(String job, String vertex) throws Exception {
        Set<String> ids = new HashSet<>();
        for (JsonNode tm : rest.get("/jobs/" + job + "/vertices/" + vertex + "/taskmanagers").get("taskmanagers")) {
            ids.add(tm.get("taskmanager-id").asText());
        }
        return ids;
    }

    private static void awaitTaskManagers(Set<String> ids) throws Exception {
        await("TaskManagers " + ids + " registered", STARTUP, () -> {
            Set<String> registered = new HashSet<>();
            for (JsonNode tm : rest.get("/taskmanagers").get("taskmanagers")) {
                registered.add(tm.get("id").asText());
            }
            return registered.equals(ids) ? Optional.of(true) : Optional.empty();
        });
    }
}
