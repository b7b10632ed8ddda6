package dev.eksaudit.bridge.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.UUID;
import org.apache.flink.core.fs.Path;

/** A Firehose-like bucket in a temp dir: objects in UTC {@code YYYY/MM/dd/HH/} folders. */
final class LocalBucket {
    private final java.nio.file.Path dir;

    LocalBucket(java.nio.file.Path dir) {
        this.dir = dir;
    }

    /** The {@code input.path}. */
    Path root() {
        return new Path(dir.toUri());
    }

    /**
     * Writes an object the way Firehose names it, in the hour folder of {@code folderHour}, and
     * returns its key below the root ({@code YYYY/MM/dd/HH/name}).
     */
    String put(Instant folderHour, Instant written) throws IOException {
        LocalDateTime w = LocalDateTime.ofInstant(written, ZoneOffset.UTC);
        String name = String.format(Locale.ROOT, "eks-audit-1-%04d-%02d-%02d-%02d-%02d-%02d-%s",
                w.getYear(), w.getMonthValue(), w.getDayOfMonth(), w.getHour(), w.getMinute(), w.getSecond(),
                UUID.randomUUID());
        return putKey(HourFolders.name(HourFolders.hourOf(folderHour)) + "/" + name);
    }

    /** Writes an object in the hour folder of the instant it is written at. */
    String put(Instant written) throws IOException {
        return put(written, written);
    }

    /** Writes an object at any key below the root. */
    String putKey(String key) throws IOException {
        java.nio.file.Path file = dir.resolve(key);
        Files.createDirectories(file.getParent());
        Files.write(file, key.getBytes(StandardCharsets.UTF_8));
        return key;
    }

    /** The key below the root of a split's object. */
    String keyOf(org.apache.flink.connector.file.src.FileSourceSplit split) {
        return HourFolders.relativize(root(), split.path());
    }
}
