package dev.eksaudit.bridge.progress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eksaudit.bridge.source.DiscoveryState;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.core.fs.Path;

/**
 * The enumerator's part of a progress record: its checkpoint, as JSON any version of the bridge
 * reads. Per input path the partitioning, folder pattern, time zone, low-water mark and the names
 * discovered per folder from the mark on (as in the checkpoint); and the objects to read again:
 * those discovered but not yet handed out, and those a reader had not finished at the checkpoint.
 *
 * <pre>
 * {"format": "eks-audit-bridge progress record", "version": 1, "checkpointId": 12,
 *  "writtenAt": "2026-12-01T23:00:00Z", "flinkVersion": "1.20.5",
 *  "paths": {"s3://audit/eks/": {"partitioning": "firehose-hourly", "pattern": "yyyy/MM/dd/HH",
 *            "timeZone": "UTC", "lowWater": "2026-11-30T22:00:00Z",
 *            "objects": {"2026/12/01/22": ["name", ...], ...}}},
 *  "reread": [{"path": "s3://audit/eks/2026/12/01/22/name", "size": 1234, "modified": 1764630000000}]}
 * </pre>
 */
public final class ProgressRecord {

    static final String FORMAT = "eks-audit-bridge progress record";
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final long checkpointId;
    private final Instant writtenAt;
    private final String flinkVersion;
    private final DiscoveryState state;

    public ProgressRecord(long checkpointId, Instant writtenAt, String flinkVersion, DiscoveryState state) {
        this.checkpointId = checkpointId;
        this.writtenAt = writtenAt;
        this.flinkVersion = flinkVersion;
        this.state = state;
    }

    public long checkpointId() {
        return checkpointId;
    }

    public Instant writtenAt() {
        return writtenAt;
    }

    public String flinkVersion() {
        return flinkVersion;
    }

    /** The paths as discovered, and the objects to read again as pending splits. */
    public DiscoveryState state() {
        return state;
    }

    byte[] toJson() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("checkpointId", checkpointId);
        root.put("writtenAt", writtenAt.toString());
        root.put("flinkVersion", flinkVersion);
        ObjectNode paths = root.putObject("paths");
        state.paths().forEach((key, path) -> {
            ObjectNode p = paths.putObject(key);
            p.put("partitioning", path.partitioning());
            p.put("pattern", path.pattern());
            p.put("timeZone", path.timeZone());
            if (path.lowWaterMillis() == DiscoveryState.NO_LOW_WATER) {
                p.putNull("lowWater");
            } else {
                p.put("lowWater", Instant.ofEpochMilli(path.lowWaterMillis()).toString());
            }
            ObjectNode objects = p.putObject("objects");
            path.seenByFolder().forEach((folder, names) -> {
                ArrayNode list = objects.putArray(folder);
                names.forEach(list::add);
            });
        });
        ArrayNode reread = root.putArray("reread");
        for (FileSourceSplit split : state.pendingSplits()) {
            reread.addObject()
                    .put("path", split.path().toString())
                    .put("size", split.fileSize())
                    .put("modified", split.fileModificationTime());
        }
        return JSON.writeValueAsBytes(root);
    }

    /** @throws IOException with a reason, when the bytes are no record of a version this reads */
    static ProgressRecord fromJson(byte[] json) throws IOException {
        JsonNode root = root(json, FORMAT, VERSION);
        Map<String, DiscoveryState.PathState> paths = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = required(root, "paths").fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> entry = fields.next();
            JsonNode p = entry.getValue();
            Map<String, Set<String>> seen = new TreeMap<>();
            Iterator<Map.Entry<String, JsonNode>> folders = required(p, "objects").fields();
            while (folders.hasNext()) {
                Map.Entry<String, JsonNode> folder = folders.next();
                Set<String> names = new TreeSet<>();
                folder.getValue().forEach(n -> names.add(n.asText()));
                seen.put(folder.getKey(), names);
            }
            JsonNode lowWater = p.path("lowWater");
            long lowWaterMillis = lowWater.isTextual() ? instant(lowWater.asText()).toEpochMilli() : DiscoveryState.NO_LOW_WATER;
            paths.put(entry.getKey(), new DiscoveryState.PathState(text(p, "partitioning"), text(p, "pattern"),
                    text(p, "timeZone"), lowWaterMillis, seen));
        }
        List<FileSourceSplit> reread = new ArrayList<>();
        for (JsonNode s : required(root, "reread")) {
            reread.add(split(required(s, "path").asText(), required(s, "size").asLong(), required(s, "modified").asLong()));
        }
        return new ProgressRecord(required(root, "checkpointId").asLong(), instant(required(root, "writtenAt").asText()),
                root.path("flinkVersion").asText("unknown"), new DiscoveryState(paths, reread));
    }

    /**
     * The parsed file, once it names {@code format} and {@code version}.
     *
     * @throws IOException with a reason that names neither the content nor a value (it is logged)
     */
    static JsonNode root(byte[] json, String format, int version) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IOException("not JSON (" + e.getClass().getSimpleName() + ")");
        }
        if (root == null || !format.equals(root.path("format").asText())) {
            throw new IOException("not an " + format + " (no \"format\": \"" + format + "\")");
        }
        int found = root.path("version").asInt(-1);
        if (found != version) {
            throw new IOException(format + " version " + found + ", this bridge reads version " + version);
        }
        return root;
    }

    /** A whole-object split, with the id every split of the bridge has: the object's path. */
    static FileSourceSplit split(String path, long size, long modified) {
        return new FileSourceSplit(path, new Path(path), 0, size, modified, size);
    }

    private static JsonNode required(JsonNode node, String field) throws IOException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IOException("field \"" + field + "\" is missing");
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Instant instant(String text) throws IOException {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IOException("'" + text + "' is not an ISO-8601 instant");
        }
    }
}
