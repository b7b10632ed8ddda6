package dev.eksaudit.bridge.decode;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import org.apache.flink.core.fs.Path;

/** How the reader gets an object's bytes; a seam so tests can make storage fail on purpose. */
@FunctionalInterface
interface ObjectOpener extends Serializable {
    InputStream open(Path path) throws IOException;

    /** Flink's FileSystem for the path's scheme (s3://, file://), with no suffix-based decompression. */
    static ObjectOpener flinkFileSystem() {
        return path -> path.getFileSystem().open(path);
    }
}
