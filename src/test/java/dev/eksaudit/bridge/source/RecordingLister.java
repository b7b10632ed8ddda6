package dev.eksaudit.bridge.source;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/** The real lister, remembering which folders it was asked to list (and optionally failing once). */
final class RecordingLister implements ObjectLister {
    private static final long serialVersionUID = 1L;

    private final FileSystemObjectLister delegate = new FileSystemObjectLister();
    private final Path root;
    private final List<String> listed = new ArrayList<>();
    private int failuresToInject;

    RecordingLister(Path root) {
        this.root = root;
    }

    @Override
    public List<FileStatus> listFolder(Path folder) throws IOException {
        listed.add(HourFolders.relativize(root, folder));
        if (failuresToInject > 0) {
            failuresToInject--;
            delegate.listFolder(folder); // still a LIST request
            throw new IOException("injected: SlowDown (503)");
        }
        return delegate.listFolder(folder);
    }

    @Override
    public long listRequests() {
        return delegate.listRequests();
    }

    void failNext(int times) {
        failuresToInject = times;
    }

    /** Folders listed (relative to the root) since the last call. */
    List<String> takeListed() {
        List<String> out = new ArrayList<>(listed);
        listed.clear();
        return out;
    }
}
