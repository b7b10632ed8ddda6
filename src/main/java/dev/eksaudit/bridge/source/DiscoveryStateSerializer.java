package dev.eksaudit.bridge.source;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Checkpoint format of {@link DiscoveryState}, version 1:
 * <pre>
 * long   lowWaterHour
 * int    hours;   per hour: long hour, int n, n x UTF name        (2 + name bytes per object)
 * int    pending; per split: UTF path, boolean idIsPath [UTF id], long offset, long length,
 *                 long modificationTime, long fileSize, boolean hasPosition [long offset, long records]
 * </pre>
 * A tracked object costs its name inside the hour folder plus two bytes (Firehose names are
 * about 80 characters), the hour itself being stored once. A new layout gets a new version and
 * this class keeps reading the old ones.
 */
public final class DiscoveryStateSerializer implements SimpleVersionedSerializer<DiscoveryState> {

    public static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(DiscoveryState state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256 + 96 * state.trackedObjects());
        out.writeLong(state.lowWaterHour());
        out.writeInt(state.seenByHour().size());
        for (Map.Entry<Long, Set<String>> hour : state.seenByHour().entrySet()) {
            out.writeLong(hour.getKey());
            out.writeInt(hour.getValue().size());
            for (String name : hour.getValue()) {
                out.writeUTF(name);
            }
        }
        out.writeInt(state.pendingSplits().size());
        for (FileSourceSplit split : state.pendingSplits()) {
            String path = split.path().toString();
            out.writeUTF(path);
            boolean idIsPath = split.splitId().equals(path);
            out.writeBoolean(idIsPath);
            if (!idIsPath) {
                out.writeUTF(split.splitId());
            }
            out.writeLong(split.offset());
            out.writeLong(split.length());
            out.writeLong(split.fileModificationTime());
            out.writeLong(split.fileSize());
            CheckpointedPosition position = split.getReaderPosition().orElse(null);
            out.writeBoolean(position != null);
            if (position != null) {
                out.writeLong(position.getOffset());
                out.writeLong(position.getRecordsAfterOffset());
            }
        }
        return out.getCopyOfBuffer();
    }

    @Override
    public DiscoveryState deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException("Unknown DiscoveryState version " + version + " (this build reads " + VERSION + ")");
        }
        DataInputDeserializer in = new DataInputDeserializer(serialized);
        long lowWater = in.readLong();
        int hours = in.readInt();
        Map<Long, Set<String>> seen = new TreeMap<>();
        for (int h = 0; h < hours; h++) {
            long hour = in.readLong();
            int n = in.readInt();
            Set<String> names = new TreeSet<>();
            for (int i = 0; i < n; i++) {
                names.add(in.readUTF());
            }
            seen.put(hour, names);
        }
        int pending = in.readInt();
        List<FileSourceSplit> splits = new ArrayList<>(pending);
        for (int i = 0; i < pending; i++) {
            String path = in.readUTF();
            String id = in.readBoolean() ? path : in.readUTF();
            long offset = in.readLong();
            long length = in.readLong();
            long modificationTime = in.readLong();
            long fileSize = in.readLong();
            CheckpointedPosition position = in.readBoolean()
                    ? new CheckpointedPosition(in.readLong(), in.readLong())
                    : null;
            splits.add(new FileSourceSplit(id, new Path(path), offset, length, modificationTime, fileSize,
                    new String[0], position));
        }
        if (in.available() != 0) {
            throw new IOException("DiscoveryState has " + in.available() + " unexpected trailing bytes");
        }
        return new DiscoveryState(lowWater, seen, splits);
    }
}
