package dev.eksaudit.bridge.decode;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.WrappingProxy;
import org.apache.flink.util.WrappingProxyUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens objects through Flink's FileSystem for the path's scheme. On flink-s3-fs-hadoop, S3A's
 * {@code open} sends a HEAD ({@code getFileStatus}) before the GET of every object, only to learn
 * a length the listing already gave; here an object of known length is opened through Hadoop's
 * {@code openFile} builder with an {@code S3AFileStatus} of that length instead, so S3A sends one
 * GET (from the resume position, to the end: the sequential read policy) and no HEAD.
 *
 * <p>Hadoop 3.3.4 (what the Flink 1.20 and 2.2 S3 plugins bundle) skips the HEAD only for an
 * {@code S3AFileStatus}; later Hadoop versions also take the length as the standard option
 * {@code fs.option.openfile.length}, which is set too. The S3 file system lives in Flink's plugin
 * class loader on a cluster, so nothing of Hadoop's is linked here: it is reached by reflection
 * from the Flink FileSystem ({@code getHadoopFileSystem()} of the plugin's HadoopFileSystem), with
 * class names taken from the classes the plugin itself uses. Any other file system (file://, a
 * test's), or a plugin whose classes do not look as expected, is opened with {@code open} as
 * before; that is decided once per FileSystem class and logged once.
 *
 * <p>Without the HEAD a missing object or a denial surfaces at the first read (the GET) rather
 * than at the open; S3A throws the same {@code FileNotFoundException} / {@code
 * AccessDeniedException} there, and {@link StorageInputStream} retries opens and reads alike.
 */
final class FileSystemObjectOpener implements ObjectOpener {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FileSystemObjectOpener.class);
    /** Per (unwrapped) Flink FileSystem class: how to open without a HEAD, or {@link #PLAIN_OPEN}. */
    private static final Map<Class<?>, S3AOpenFile> ROUTES = new ConcurrentHashMap<>();
    private static final S3AOpenFile PLAIN_OPEN = new S3AOpenFile();

    @Override
    public InputStream open(Path path, long position) throws IOException {
        return open(path, position, -1);
    }

    @Override
    public InputStream open(Path path, long position, long length) throws IOException {
        FileSystem fs = path.getFileSystem();
        if (length >= 0) {
            FileSystem inner = unwrap(fs);
            S3AOpenFile route = ROUTES.computeIfAbsent(inner.getClass(), S3AOpenFile::find);
            if (route != PLAIN_OPEN) {
                InputStream in = route.open(inner, path, position, length);
                if (in != null) {
                    return in;
                }
            }
        }
        return openWithHead(fs, path, position);
    }

    /** The plugin's FileSystem behind Flink's wrappers (plugin class loader, safety net). */
    @SuppressWarnings("unchecked")
    private static FileSystem unwrap(FileSystem fs) {
        return fs instanceof WrappingProxy ? WrappingProxyUtil.stripProxy((WrappingProxy<FileSystem>) fs) : fs;
    }

    /** Flink's {@code open}: on S3A a HEAD, then a GET at the first read. */
    static InputStream openWithHead(FileSystem fs, Path path, long position) throws IOException {
        FSDataInputStream in = fs.open(path);
        if (position > 0) {
            try {
                seek(in, position);
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        }
        return in;
    }

    /**
     * Flink's Hadoop stream turns a forward seek of up to 1 MiB into reading and discarding bytes
     * (HadoopDataInputStream.MIN_SKIP_BYTES): on a fresh stream that is a GET from byte 0. Its
     * {@code forceSeek} is a real seek, i.e. a ranged GET; the class lives in the S3 plugin's class
     * loader on a cluster, so it is looked up by name.
     */
    private static void seek(FSDataInputStream in, long position) throws IOException {
        Method forceSeek;
        try {
            forceSeek = in.getClass().getMethod("forceSeek", long.class);
        } catch (NoSuchMethodException e) {
            in.seek(position);
            return;
        }
        try {
            forceSeek.invoke(in, position);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IOException) {
                throw (IOException) e.getCause();
            }
            throw new IOException("seek to " + position + " failed", e.getCause());
        } catch (IllegalAccessException e) {
            in.seek(position);
        }
    }

    /** The original failure inside reflection and future wrappers. */
    static Throwable unwrapFailure(Throwable t) {
        while ((t instanceof InvocationTargetException || t instanceof ExecutionException
                || t instanceof CompletionException || t instanceof UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * The reflective handles for one Flink FileSystem class whose Hadoop file system is S3A:
     * {@code getHadoopFileSystem()}, Hadoop's Path, {@code S3AFileStatus}, {@code openFile} and its
     * builder, and {@code Seekable.seek}.
     */
    private static final class S3AOpenFile {
        static final String READ_POLICY = "fs.option.openfile.read.policy";
        static final String LENGTH = "fs.option.openfile.length";
        /** Hadoop 3.3.4's name of the read policy option. */
        static final String FADVISE = "fs.s3a.experimental.input.fadvise";

        private final Class<?> flinkClass;
        private final Method getHadoopFileSystem;
        private final Class<?> hadoopClass;
        private final Constructor<?> pathOfUri;
        private final Method makeQualified;
        private final Constructor<?> s3aStatus;
        private final Method openFile;
        private final Method opt;
        private final Method withFileStatus;
        private final Method build;
        private final Method seek;

        /** {@link #PLAIN_OPEN}. */
        private S3AOpenFile() {
            this(null, null, null, null, null, null, null, null, null, null, null);
        }

        private S3AOpenFile(Class<?> flinkClass, Method getHadoopFileSystem, Class<?> hadoopClass, Constructor<?> pathOfUri,
                Method makeQualified, Constructor<?> s3aStatus, Method openFile, Method opt, Method withFileStatus,
                Method build, Method seek) {
            this.flinkClass = flinkClass;
            this.getHadoopFileSystem = getHadoopFileSystem;
            this.hadoopClass = hadoopClass;
            this.pathOfUri = pathOfUri;
            this.makeQualified = makeQualified;
            this.s3aStatus = s3aStatus;
            this.openFile = openFile;
            this.opt = opt;
            this.withFileStatus = withFileStatus;
            this.build = build;
            this.seek = seek;
        }

        /** Called once per Flink FileSystem class; logs the decision. */
        static S3AOpenFile find(Class<?> flinkClass) {
            String name = flinkClass.getName();
            Method getHadoopFileSystem;
            try {
                getHadoopFileSystem = flinkClass.getMethod("getHadoopFileSystem");
            } catch (NoSuchMethodException | LinkageError | RuntimeException e) {
                return plain(name, "not a Hadoop file system");
            }
            try {
                // The Hadoop class names are those of the plugin's own classes (relocated or not):
                // the declared return type, and S3AFileStatus beside S3AFileSystem.
                Class<?> base = getHadoopFileSystem.getReturnType();
                ClassLoader loader = base.getClassLoader();
                String fs = base.getName().substring(0, base.getName().lastIndexOf('.'));
                Class<?> hadoopPath = Class.forName(fs + ".Path", false, loader);
                Method openFile = base.getMethod("openFile", hadoopPath);
                Class<?> builder = openFile.getReturnType();
                Class<?> fileStatus = Class.forName(fs + ".FileStatus", false, loader);
                Class<?> s3aFs = Class.forName(fs + ".s3a.S3AFileSystem", false, loader);
                Class<?> s3aStatusClass = Class.forName(fs + ".s3a.S3AFileStatus", false, loader);
                Constructor<?> s3aStatus = s3aStatusClass.getConstructor(long.class, long.class, hadoopPath, long.class,
                        String.class, String.class, String.class);
                S3AOpenFile route = new S3AOpenFile(flinkClass, getHadoopFileSystem, s3aFs,
                        hadoopPath.getConstructor(URI.class), base.getMethod("makeQualified", hadoopPath), s3aStatus,
                        openFile, builder.getMethod("opt", String.class, String.class),
                        builder.getMethod("withFileStatus", fileStatus), builder.getMethod("build"),
                        Class.forName(fs + ".Seekable", false, loader).getMethod("seek", long.class));
                LOG.info("Objects on {} are opened with S3A's openFile and their listed length: one GET, no HEAD per object", name);
                return route;
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                return plain(name, "no S3A openFile (" + e + ")");
            }
        }

        private static S3AOpenFile plain(String flinkClass, String why) {
            LOG.info("Objects on {} are opened with FileSystem.open: {}", flinkClass, why);
            return PLAIN_OPEN;
        }

        /**
         * The object from {@code position} on, or null when this file system turns out not to take
         * this route (another Hadoop file system, a builder refusing the status); storage failures
         * are thrown as the IOException S3A raised.
         */
        InputStream open(FileSystem flinkFs, Path path, long position, long length) throws IOException {
            Object hadoopFs;
            try {
                hadoopFs = getHadoopFileSystem.invoke(flinkFs);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return disable("getHadoopFileSystem failed (" + unwrapFailure(e) + ")");
            }
            if (hadoopFs == null || !hadoopClass.isInstance(hadoopFs)) {
                return disable("the Hadoop file system is " + (hadoopFs == null ? "null" : hadoopFs.getClass().getName()));
            }
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            // As Flink's plugin wrapper does around every call into a plugin.
            thread.setContextClassLoader(hadoopFs.getClass().getClassLoader());
            Future<?> opening;
            try {
                Object hadoopPath = makeQualified.invoke(hadoopFs, pathOfUri.newInstance(path.toUri()));
                Object status = s3aStatus.newInstance(length, 0L, hadoopPath, 0L, "", null, null);
                Object builder = openFile.invoke(hadoopFs, hadoopPath);
                builder = withFileStatus.invoke(builder, status);
                builder = opt.invoke(builder, LENGTH, Long.toString(length));
                builder = opt.invoke(builder, READ_POLICY, "sequential");
                builder = opt.invoke(builder, FADVISE, "sequential");
                opening = (Future<?>) build.invoke(builder);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                Throwable cause = unwrapFailure(e);
                if (cause instanceof IOException) {
                    throw (IOException) cause;
                }
                if (refusesTheRoute(cause)) {
                    return disable("openFile failed (" + cause + ")");
                }
                throw asRuntime(cause);
            } finally {
                thread.setContextClassLoader(previous);
            }
            InputStream in = await(opening);
            if (position > 0) {
                try {
                    // A lazy seek on S3A's stream: the first read's GET asks for the range from here.
                    seek.invoke(in, position);
                } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                    closeQuietly(in);
                    Throwable cause = unwrapFailure(e);
                    if (cause instanceof IOException) {
                        throw (IOException) cause;
                    }
                    throw new IOException("seek to " + position + " failed", cause);
                }
            }
            return in;
        }

        /** Waits for S3A's open (no request is sent: with a status given, the GET is the first read's). */
        private static InputStream await(Future<?> opening) throws IOException {
            Object stream;
            try {
                stream = opening.get();
            } catch (InterruptedException e) {
                opening.cancel(false);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while opening");
            } catch (ExecutionException e) {
                Throwable cause = unwrapFailure(e);
                if (cause instanceof IOException) {
                    throw (IOException) cause;
                }
                throw asRuntime(cause);
            }
            if (!(stream instanceof InputStream)) {
                throw new IOException("openFile returned " + (stream == null ? "null" : stream.getClass().getName()));
            }
            return (InputStream) stream;
        }

        /** Failures that say this route does not fit the plugin, never that the object is unreadable. */
        private static boolean refusesTheRoute(Throwable t) {
            return t instanceof ReflectiveOperationException || t instanceof LinkageError
                    || t instanceof IllegalArgumentException || t instanceof UnsupportedOperationException
                    || t instanceof ClassCastException;
        }

        private InputStream disable(String why) {
            if (ROUTES.replace(flinkClass, this, PLAIN_OPEN)) {
                LOG.info("Objects on {} are opened with FileSystem.open from now on: {}", flinkClass.getName(), why);
            }
            return null;
        }

        private static RuntimeException asRuntime(Throwable t) {
            if (t instanceof Error) {
                throw (Error) t;
            }
            return t instanceof RuntimeException ? (RuntimeException) t : new IllegalStateException(t);
        }

        private static void closeQuietly(InputStream in) {
            try {
                in.close();
            } catch (IOException | RuntimeException ignored) {
                // Nothing was read from it.
            }
        }
    }
}
