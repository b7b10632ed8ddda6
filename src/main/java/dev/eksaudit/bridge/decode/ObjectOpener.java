package dev.eksaudit.bridge.decode;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;

/** How the reader gets an object's bytes from a position on; a seam so tests can make storage fail on purpose. */
@FunctionalInterface
interface ObjectOpener extends Serializable {
    /** The object's bytes from {@code position} on (0: the whole object). */
    InputStream open(Path path, long position) throws IOException;

    /**
     * Flink's FileSystem for the path's scheme (s3://, file://), with no suffix-based decompression.
     * A seek before the first read makes S3A send a ranged GET from there, so a resumed read does not
     * download the object again.
     */
    static ObjectOpener flinkFileSystem() {
        return (path, position) -> {
            FSDataInputStream in = path.getFileSystem().open(path);
            if (position > 0) {
                try {
                    in.seek(position);
                } catch (IOException | RuntimeException e) {
                    in.close();
                    throw e;
                }
            }
            return in;
        };
    }
}
