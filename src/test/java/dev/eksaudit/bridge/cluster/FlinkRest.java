package dev.eksaudit.bridge.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/** The cluster's REST API, called the way a user's tooling (or the web UI) does: plain HTTP and JSON. */
final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    FlinkRest(int port) {
        this.base = URI.create("http://localhost:" + port);
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    JsonNode post(String path, Object body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    JsonNode patch(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).method("PATCH", HttpRequest.BodyPublishers.noBody()));
    }

    /** Polls until the REST endpoint answers, e.g. while the JobManager JVM starts. */
    void awaitUp(Duration deadline) throws Exception {
        await("REST API at " + base, deadline, () -> {
            try {
                get("/config");
                return Optional.of(true);
            } catch (ConnectException e) {
                return Optional.empty();
            }
        });
    }

    /** {@code POST /jars/upload}: the multipart form the web UI's "Submit New Job" sends. Returns the jar id. */
    String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "----eks-audit-bridge-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName() + "\"\r\n"
                + "Content-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode answer = send(HttpRequest.newBuilder(base.resolve("/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        if (!"success".equals(answer.path("status").asText())) {
            throw new IllegalStateException("jar upload failed: " + answer);
        }
        String filename = answer.get("filename").asText();
        return filename.substring(filename.lastIndexOf('/') + 1);
    }

    /** {@code POST /jars/<id>/run}; returns the job id. */
    String runJar(String jarId, List<String> programArgs, int parallelism) throws IOException, InterruptedException {
        JsonNode answer = post("/jars/" + jarId + "/run", JSON.createObjectNode()
                .put("parallelism", parallelism)
                .set("programArgsList", JSON.valueToTree(programArgs)));
        return answer.get("jobid").asText();
    }

    String jobStatus(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId).get("state").asText();
    }

    /** The id of the job vertex whose name contains {@code namePart}. */
    String vertexId(String jobId, String namePart) throws IOException, InterruptedException {
        for (JsonNode vertex : get("/jobs/" + jobId).get("vertices")) {
            if (vertex.get("name").asText().contains(namePart)) {
                return vertex.get("id").asText();
            }
        }
        throw new IllegalStateException("no vertex named *" + namePart + "* in job " + jobId);
    }

    /**
     * The sum over the current attempts of every subtask of an operator metric, e.g. the decoder's
     * {@code objectsRead}; empty until the JobManager's metric fetcher has it for every subtask.
     */
    Optional<Long> subtaskSum(String jobId, String vertexId, String metric) throws IOException, InterruptedException {
        String prefix = "/jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/metrics";
        String id = null;
        for (JsonNode available : get(prefix)) {
            if (available.get("id").asText().endsWith("." + metric)) {
                id = available.get("id").asText();
            }
        }
        if (id == null) {
            return Optional.empty();
        }
        JsonNode values = get(prefix + "?agg=sum&get=" + URLEncoder.encode(id, StandardCharsets.UTF_8));
        return values.size() == 0 ? Optional.empty() : Optional.of((long) values.get(0).get("sum").asDouble());
    }

    interface Probe<T> {
        Optional<T> poll() throws Exception;
    }

    /** Polls {@code probe} every 100 ms until it yields a value; fails with {@code what} at the deadline. */
    static <T> T await(String what, Duration deadline, Probe<T> probe) throws Exception {
        Instant end = Instant.now().plus(deadline);
        Exception last = null;
        while (Instant.now().isBefore(end)) {
            try {
                Optional<T> value = probe.poll();
                if (value.isPresent()) {
                    return value.get();
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out after " + deadline + " waiting for " + what, last);
    }

    /** Polls a value until it satisfies {@code done}. */
    static <T> T awaitValue(String what, Duration deadline, Probe<T> probe, Predicate<T> done) throws Exception {
        return await(what, deadline, () -> probe.poll().filter(done));
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IOException(response.request().method() + " " + response.uri() + " -> HTTP "
                    + response.statusCode() + ": " + response.body());
        }
        return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
    }
}
