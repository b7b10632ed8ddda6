package dev.eksaudit.bridge.source;

import java.util.Set;
import java.util.function.Predicate;
import org.apache.flink.core.fs.Path;

/**
 * Skips what Firehose writes beside audit data: its error output folders, and hidden or
 * in-progress files (names starting with '.' or '_', as Flink's default filter does).
 */
public class FirehoseFileFilter implements Predicate<Path>, java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** Firehose's error output prefixes: records that failed processing, never audit events as such. */
    static final Set<String> ERROR_FOLDERS = Set.of(
            "processing-failed", "decompression-failed", "format-conversion-failed",
            "splitting-failed", "elasticsearch-failed", "http-endpoint-failed");

    @Override
    public boolean test(Path path) {
        String name = path.getName();
        return !name.startsWith(".") && !name.startsWith("_") && !ERROR_FOLDERS.contains(name);
    }
}
