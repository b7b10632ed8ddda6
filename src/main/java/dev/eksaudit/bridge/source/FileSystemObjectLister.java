package dev.eksaudit.bridge.source;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * {@link ObjectLister} over Flink's {@link org.apache.flink.core.fs.FileSystem}: one
 * {@code listStatus} per folder. On S3 the file system (flink-s3-fs-hadoop, S3A) pages through
 * LIST results itself, 1,000 keys per page, so a call is one LIST request for an hour folder of
 * up to 1,000 objects; S3A may add a HEAD when the folder turns out to be empty or missing.
 */
public final class FileSystemObjectLister implements ObjectLister {
    private static final long serialVersionUID = 1L;

    private final AtomicLong listRequests = new AtomicLong();

    @Override
    public List<FileStatus> listFolder(Path folder) throws IOException {
        listRequests.incrementAndGet();
        FileStatus[] entries;
        try {
            entries = folder.getFileSystem().listStatus(folder);
        } catch (FileNotFoundException e) {
            return List.of(); // nothing written there (yet)
        }
        return entries == null ? List.of() : Arrays.asList(entries);
    }

    @Override
    public long listRequests() {
        return listRequests.get();
    }
}
