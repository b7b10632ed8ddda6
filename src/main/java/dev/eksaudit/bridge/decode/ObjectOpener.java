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
                    seek(in, position);
                } catch (IOException | RuntimeException e) {
                    in.close();
                    throw e;
                }
            }
            return in;
        };
    }

    /**
     * Flink's Hadoop stream turns a forward seek of up to 1 MiB into reading and discarding bytes
     * (HadoopDataInputStream.MIN_SKIP_BYTES): on a fresh stream that is a GET from byte 0. Its
     * {@code forceSeek} is a real seek, i.e. a ranged GET; the class lives in the S3 plugin's class
     * loader on a cluster, so it is looked up by name.
     */
    private static void seek(FSDataInputStream in, long position) throws IOException {
        java.lang.reflect.Method forceSeek;
        try {
            forceSeek = in.getClass().getMethod("forceSeek", long.class);
        } catch (NoSuchMethodException e) {
            in.seek(position);
            return;
        }
        try {
            forceSeek.invoke(in, position);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof IOException) {
                throw (IOException) e.getCause();
            }
            throw new IOException("seek to " + position + " failed", e.getCause());
        } catch (IllegalAccessException e) {
            in.seek(position);
        }
    }
}
