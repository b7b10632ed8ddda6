package dev.eksaudit.bridge.progress;

import dev.eksaudit.bridge.config.BridgeOptions;
import dev.eksaudit.bridge.config.ConfigException;
import dev.eksaudit.bridge.source.DiscoveryState;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code input.start-from}: a progress record (a {@code progress-<id>.json}, or the folder of
 * {@code input.progress-path}, whose newest record is taken) and its sink parts, put together into
 * the enumerator state a first start begins with: the paths as they were discovered, and as
 * objects to read again those not handed out, not finished by a reader, or with events the sink
 * had not delivered. Read once, when the job is built; anything wrong stops the start with one
 * line naming the key.
 */
public final class ProgressStart {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressStart.class);
    private static final String KEY = BridgeOptions.INPUT_START_FROM.key();

    private ProgressStart() {}

    /** @throws ConfigException one line naming {@code input.start-from} */
    public static ProgressRecord load(String startFrom) {
        Path given = new Path(startFrom);
        try {
            ProgressFiles files;
            long id;
            if (ProgressFiles.recordId(given.getName()) >= 0) {
                files = new ProgressFiles(given.getParent());
                id = ProgressFiles.recordId(given.getName());
                String missing = missingPart(files, id);
                if (missing != null) {
                    throw new ConfigException(KEY + ": " + files.record(id) + " is incomplete: " + missing
                            + "; give an earlier record of the same folder, or the folder");
                }
            } else {
                files = new ProgressFiles(given);
                id = newestComplete(files, given);
            }
            ProgressRecord record;
            try {
                record = ProgressRecord.fromJson(ProgressFiles.read(files.record(id)));
            } catch (FileNotFoundException e) {
                throw new ConfigException(KEY + ": " + files.record(id) + " does not exist");
            } catch (IOException e) {
                throw new ConfigException(KEY + ": " + files.record(id) + " cannot be used: " + e.getMessage());
            }
            ProgressRecord merged = withSinkParts(files, record);
            LOG.info("Starting from the progress record of checkpoint {} ({}, written {} by Flink {}): {} objects "
                    + "tracked, {} to read again", merged.checkpointId(), files.record(id), merged.writtenAt(),
                    merged.flinkVersion(), merged.state().trackedObjects(), merged.state().pendingSplits().size());
            return merged;
        } catch (IOException e) {
            throw new ConfigException(KEY + ": cannot read " + given + " (" + e + ")");
        }
    }

    /**
     * The newest record with all its sink parts: a newer one may belong to a checkpoint that was
     * still being taken, or that failed before every sink subtask had written its part.
     */
    private static long newestComplete(ProgressFiles files, Path given) throws IOException {
        List<Long> ids = files.recordIds();
        if (ids.isEmpty()) {
            throw new ConfigException(KEY + ": no progress record (progress-<checkpoint>.json) in " + given
                    + "; give the input.progress-path of the job to continue, or one of its records");
        }
        String newestMissing = null;
        for (int i = ids.size() - 1; i >= 0; i--) {
            String missing = missingPart(files, ids.get(i));
            if (missing == null) {
                if (newestMissing != null) {
                    LOG.info("Skipping the newer progress records in {}: {} (their checkpoint failed or was not done)",
                            given, newestMissing);
                }
                return ids.get(i);
            }
            newestMissing = newestMissing == null ? missing : newestMissing;
        }
        throw new ConfigException(KEY + ": no complete progress record in " + given + " (the newest lacks "
                + newestMissing + ")");
    }

    /** The first sink part record {@code id} lacks, or null when it has all. */
    private static String missingPart(ProgressFiles files, long id) throws IOException {
        List<Integer> parallelisms = new ArrayList<>();
        TreeMap<Integer, Path> parts = files.sinkParts(id, parallelisms);
        if (parts.isEmpty()) {
            return "sink-" + id + "-<subtask>-of-<n>.json (no sink part at all)";
        }
        int parallelism = parallelisms.get(0);
        for (int subtask = 0; subtask < parallelism; subtask++) {
            if (!parts.containsKey(subtask) || parallelisms.stream().anyMatch(p -> p != parallelism)) {
                return files.sinkPart(id, subtask, parallelism).getName();
            }
        }
        return null;
    }

    /** The record with the objects the sink still held added to those read again. */
    private static ProgressRecord withSinkParts(ProgressFiles files, ProgressRecord record) throws IOException {
        long id = record.checkpointId();
        TreeMap<Integer, Path> parts = files.sinkParts(id, new ArrayList<>());
        Set<String> undelivered = new TreeSet<>();
        for (Path part : parts.values()) {
            SinkProgress sink;
            try {
                sink = SinkProgress.fromJson(ProgressFiles.read(part));
            } catch (IOException e) {
                throw new ConfigException(KEY + ": " + part + " cannot be used: " + e.getMessage());
            }
            if (sink.unknown() > 0) {
                throw new ConfigException(KEY + ": in " + part + " the sink held " + sink.unknown() + " events of "
                        + "objects it does not know (restored from a checkpoint of an older version); give a later record");
            }
            undelivered.addAll(sink.undelivered());
        }
        Map<String, FileSourceSplit> reread = new LinkedHashMap<>();
        for (FileSourceSplit split : record.state().pendingSplits()) {
            reread.put(split.splitId(), split);
        }
        for (String object : undelivered) {
            if (!reread.containsKey(object)) {
                reread.put(object, split(object));
            }
        }
        return new ProgressRecord(id, record.writtenAt(), record.flinkVersion(),
                new DiscoveryState(record.state().paths(), new ArrayList<>(reread.values())));
    }

    private static FileSourceSplit split(String object) throws IOException {
        Path path = new Path(object);
        FileStatus status;
        try {
            status = path.getFileSystem().getFileStatus(path);
        } catch (FileNotFoundException e) {
            throw new ConfigException(KEY + ": the sink had not delivered all events of " + object
                    + ", which no longer exists; they cannot be read again");
        }
        return ProgressRecord.split(object, status.getLen(), status.getModificationTime());
    }
}
