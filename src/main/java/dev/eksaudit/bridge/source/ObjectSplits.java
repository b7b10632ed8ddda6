package dev.eksaudit.bridge.source;

import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.core.fs.FileStatus;

/**
 * One split per object, the whole object: Firehose objects are gzip streams that cannot be cut.
 * The split id is the object's path, which is unique and the same whoever creates the split, so a
 * split restored from a reader's state can never clash with a newly discovered one.
 */
final class ObjectSplits {

    private ObjectSplits() {}

    static FileSourceSplit of(FileStatus object) {
        long length = object.getLen();
        return new FileSourceSplit(object.getPath().toString(), object.getPath(), 0, length,
                object.getModificationTime(), length);
    }
}
