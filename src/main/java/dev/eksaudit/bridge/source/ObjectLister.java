package dev.eksaudit.bridge.source;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * Lists one folder of the bucket. The enumerator only ever asks for folders it computed (the hour
 * folders of its window), so the number of calls per discovery is the number of hours in the
 * window, whatever the bucket's history. Each call is counted: that count is the
 * {@code listRequests} metric and what tests assert on.
 *
 * <p>Called on the JobManager's worker thread, never concurrently with itself.
 */
public interface ObjectLister extends Serializable {

    /**
     * The entries directly in a folder (objects and sub-folders). A folder that does not exist is
     * an empty list, not an error: a new bucket, or an hour in which nothing arrived, is normal.
     */
    List<FileStatus> listFolder(Path folder) throws IOException;

    /** How many times {@link #listFolder} was called since this lister was created. */
    long listRequests();

    /**
     * Every object below a root, descending into the folders the filter accepts (so Firehose's
     * error folders are skipped without being listed). One {@link #listFolder} per folder: this is
     * the stock FileSource's cost, used only for {@code input.partitioning none}.
     */
    default List<FileStatus> listRecursively(Path root, Predicate<Path> filter) throws IOException {
        List<FileStatus> objects = new ArrayList<>();
        Deque<Path> folders = new ArrayDeque<>();
        folders.add(root);
        while (!folders.isEmpty()) {
            for (FileStatus status : listFolder(folders.poll())) {
                if (!filter.test(status.getPath())) {
                    continue;
                }
                if (status.isDir()) {
                    folders.add(status.getPath());
                } else {
                    objects.add(status);
                }
            }
        }
        return objects;
    }
}
