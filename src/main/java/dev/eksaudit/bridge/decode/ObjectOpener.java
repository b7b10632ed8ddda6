package dev.eksaudit.bridge.decode;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import org.apache.flink.core.fs.Path;

/** How the reader gets an object's bytes from a position on; a seam so tests can make storage fail on purpose. */
@FunctionalInterface
interface ObjectOpener extends Serializable {
    /** The object's bytes from {@code position} on (0: the whole object). */
    InputStream open(Path path, long position) throws IOException;

    /**
     * The same, for an object whose length the listing gave ({@code -1}: unknown), so an opener
     * can skip asking the store for it.
     */
    default InputStream open(Path path, long position, long length) throws IOException {
        return open(path, position);
    }

    /**
     * Flink's FileSystem for the path's scheme (s3://, file://), with no suffix-based decompression;
     * on S3A an object of known length is opened without a HEAD ({@link FileSystemObjectOpener}).
     */
    static ObjectOpener flinkFileSystem() {
        return new FileSystemObjectOpener();
    }
}
