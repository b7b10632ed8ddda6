package dev.eksaudit.bridge.falco;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The header from {@code falco.auth.header-file}: one {@code Name: value} line. Read through
 * Flink's file systems, so the file can be local (a mounted Kubernetes Secret) or an {@code s3://}
 * object (Managed Service for Apache Flink, where nothing can be mounted). {@link #refresh()}
 * re-reads it when its modification time or length changed, so a rotated token is picked up
 * without a restart; the writer calls it every {@code falco.auth.recheck-interval}, off the I/O
 * threads, and {@link #current()} never touches the file. The value is a secret: it never appears
 * in a message or log.
 */
final class FalcoAuthHeader {

    /** A header file is one short line; anything much larger is not one. */
    private static final int MAX_BYTES = 64 * 1024;

    private final Path file;
    private long modificationTime = Long.MIN_VALUE;
    private long length = -1;
    private volatile String[] header;

    /** Reads the file once; fails (naming the key and file, never the content) if it cannot. */
    FalcoAuthHeader(String file) throws IOException {
        this.file = new Path(file);
        refresh();
    }

    /** {name, value} as last read. */
    String[] current() {
        return header;
    }

    /** Re-reads the file if it changed since the last read; true if it did. Blocking. */
    synchronized boolean refresh() throws IOException {
        FileSystem fs = file.getFileSystem();
        FileStatus status = fs.getFileStatus(file);
        if (status.getModificationTime() == modificationTime && status.getLen() == length) {
            return false;
        }
        if (status.getLen() > MAX_BYTES) {
            throw new IOException("falco.auth.header-file " + file + ": " + status.getLen() + " bytes, not one header line");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (InputStream in = fs.open(file)) {
            in.transferTo(bytes);
        }
        header = parse(bytes.toString(StandardCharsets.UTF_8));
        modificationTime = status.getModificationTime();
        length = status.getLen();
        return true;
    }

    private String[] parse(String text) throws IOException {
        for (String line : text.split("\r?\n")) {
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            String n = colon < 0 ? "" : line.substring(0, colon).trim();
            if (n.isEmpty() || !n.chars().allMatch(c -> c > 32 && c < 127)) {
                // Says where, never what: the line may be the secret itself.
                throw new IOException("falco.auth.header-file " + file + ": first line is not 'Name: value'");
            }
            return new String[] {n, line.substring(colon + 1).trim()};
        }
        throw new IOException("falco.auth.header-file " + file + ": no 'Name: value' line");
    }

    Path file() {
        return file;
    }
}
