package dev.eksaudit.bridge.progress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * One sink subtask's part of a progress record: the objects some of whose events it holds,
 * undelivered, in that checkpoint (its buffer, which the checkpoint stores and a job of another
 * version cannot restore). A job starting from the record reads them again. {@code unknown}
 * counts held events that carry no object (restored from a checkpoint of a version that did not
 * keep it): a record with any cannot be used.
 *
 * <pre>
 * {"format": "eks-audit-bridge sink progress", "version": 1, "checkpointId": 12, "subtask": 0,
 *  "parallelism": 2, "undelivered": ["s3://audit/eks/2026/12/01/22/name"], "unknown": 0}
 * </pre>
 */
public final class SinkProgress {

    static final String FORMAT = "eks-audit-bridge sink progress";
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final long checkpointId;
    private final int subtask;
    private final int parallelism;
    private final Set<String> undelivered;
    private final int unknown;

    public SinkProgress(long checkpointId, int subtask, int parallelism, Set<String> undelivered, int unknown) {
        this.checkpointId = checkpointId;
        this.subtask = subtask;
        this.parallelism = parallelism;
        this.undelivered = Collections.unmodifiableSet(new TreeSet<>(undelivered));
        this.unknown = unknown;
    }

    public long checkpointId() {
        return checkpointId;
    }

    public int subtask() {
        return subtask;
    }

    public int parallelism() {
        return parallelism;
    }

    /** Paths of the objects with events not yet delivered. */
    public Set<String> undelivered() {
        return undelivered;
    }

    public int unknown() {
        return unknown;
    }

    byte[] toJson() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("checkpointId", checkpointId);
        root.put("subtask", subtask);
        root.put("parallelism", parallelism);
        ArrayNode list = root.putArray("undelivered");
        undelivered.forEach(list::add);
        root.put("unknown", unknown);
        return JSON.writeValueAsBytes(root);
    }

    static SinkProgress fromJson(byte[] json) throws IOException {
        JsonNode root = ProgressRecord.root(json, FORMAT, VERSION);
        Set<String> undelivered = new TreeSet<>();
        root.path("undelivered").forEach(n -> undelivered.add(n.asText()));
        return new SinkProgress(root.path("checkpointId").asLong(-1), root.path("subtask").asInt(-1),
                root.path("parallelism").asInt(-1), undelivered, root.path("unknown").asInt(0));
    }
}
