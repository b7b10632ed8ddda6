package dev.eksaudit.bridge.progress;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The files of {@code input.progress-path}, through Flink's file systems (S3 through the S3
 * plugin): {@code progress-<checkpoint>.json} from the enumerator and {@code sink-<checkpoint>-<subtask>-of-<parallelism>.json} from every sink subtask, written
 * while the checkpoint is taken. A record therefore never exists before its sink parts.
 */
public final class ProgressFiles {

    /** How many of the newest records stay; older records and parts are deleted. */
    static final int KEEP = 3;
    private static final Pattern RECORD = Pattern.compile("progress-(\\d+)\\.json");
    private static final Pattern SINK_PART = Pattern.compile("sink-(\\d+)-(\\d+)-of-(\\d+)\\.json");

    private final Path dir;

    public ProgressFiles(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    Path record(long checkpointId) {
        return new Path(dir, "progress-" + checkpointId + ".json");
    }

    Path sinkPart(long checkpointId, int subtask, int parallelism) {
        return new Path(dir, "sink-" + checkpointId + "-" + subtask + "-of-" + parallelism + ".json");
    }

    /** Checkpoint id of a record's file name ({@code progress-<checkpoint>.json}), or -1. */
    static long recordId(String name) {
        Matcher m = RECORD.matcher(name);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    void writeRecord(ProgressRecord record) throws IOException {
        write(record(record.checkpointId()), record.toJson());
    }

    public void writeSinkPart(SinkProgress part) throws IOException {
        write(sinkPart(part.checkpointId(), part.subtask(), part.parallelism()), part.toJson());
    }

    /**
     * On an object store the object appears whole when the upload completes; elsewhere the bytes
     * go to a hidden file first and are renamed, so a reader never sees half a file.
     */
    private static void write(Path path, byte[] bytes) throws IOException {
        FileSystem fs = path.getFileSystem();
        boolean objectStore = !"file".equals(scheme(path));
        Path target = objectStore ? path : new Path(path.getParent(), "." + path.getName() + ".inprogress");
        try (OutputStream out = fs.create(target, FileSystem.WriteMode.OVERWRITE)) {
            out.write(bytes);
        }
        if (!objectStore && !fs.rename(target, path)) {
            fs.delete(path, false);
            if (!fs.rename(target, path)) {
                throw new IOException("could not rename " + target + " to " + path);
            }
        }
    }

    private static String scheme(Path path) {
        String scheme = path.toUri().getScheme();
        return scheme == null ? "file" : scheme.toLowerCase(Locale.ROOT);
    }

    static byte[] read(Path path) throws IOException {
        FileSystem fs = path.getFileSystem();
        try (InputStream in = fs.open(path)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[16384];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        }
    }

    private FileStatus[] list() throws IOException {
        FileSystem fs = dir.getFileSystem();
        if (!fs.exists(dir)) {
            return new FileStatus[0];
        }
        FileStatus[] entries = fs.listStatus(dir);
        return entries == null ? new FileStatus[0] : entries;
    }

    /** The newest record's checkpoint id in the folder. */
    OptionalLong newestRecord() throws IOException {
        List<Long> ids = recordIds();
        return ids.isEmpty() ? OptionalLong.empty() : OptionalLong.of(ids.get(ids.size() - 1));
    }

    /** The checkpoint ids of the records in the folder, oldest first. */
    List<Long> recordIds() throws IOException {
        List<Long> ids = new ArrayList<>();
        for (FileStatus entry : list()) {
            long id = recordId(entry.getPath().getName());
            if (id >= 0) {
                ids.add(id);
            }
        }
        ids.sort(null);
        return ids;
    }

    /** The sink parts of one checkpoint, by subtask; the parallelism each part names is checked by the caller. */
    TreeMap<Integer, Path> sinkParts(long checkpointId, List<Integer> parallelisms) throws IOException {
        TreeMap<Integer, Path> parts = new TreeMap<>();
        for (FileStatus entry : list()) {
            Matcher m = SINK_PART.matcher(entry.getPath().getName());
            if (m.matches() && Long.parseLong(m.group(1)) == checkpointId) {
                parts.put(Integer.parseInt(m.group(2)), entry.getPath());
                parallelisms.add(Integer.parseInt(m.group(3)));
            }
        }
        return parts;
    }

    /**
     * Deletes what is older than the {@link #KEEP} newest records up to {@code newest}: records,
     * and sink parts (also those of checkpoints that never completed). Nothing newer is touched:
     * parts of a checkpoint being taken may already be there.
     */
    int deleteOlderThanKept(long newest) throws IOException {
        FileStatus[] entries = list();
        List<Long> records = new ArrayList<>();
        for (FileStatus entry : entries) {
            long id = recordId(entry.getPath().getName());
            if (id >= 0 && id <= newest) {
                records.add(id);
            }
        }
        records.sort(null);
        if (records.size() <= KEEP) {
            return 0;
        }
        long keepFrom = records.get(records.size() - KEEP);
        FileSystem fs = dir.getFileSystem();
        int deleted = 0;
        for (FileStatus entry : entries) {
            String name = entry.getPath().getName();
            long id = recordId(name);
            Matcher part = SINK_PART.matcher(name);
            if (id < 0 && part.matches()) {
                id = Long.parseLong(part.group(1));
            }
            if (id >= 0 && id < keepFrom && fs.delete(entry.getPath(), false)) {
                deleted++;
            }
        }
        return deleted;
    }
}
