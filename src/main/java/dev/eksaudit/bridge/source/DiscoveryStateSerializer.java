package dev.eksaudit.bridge.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Checkpoint format of {@link DiscoveryState}. Version 2 (written):
 * <pre>
 * int    paths; per path: UTF input.path, UTF partitioning, UTF pattern, UTF time zone ("" = not recorded),
 *                         long lowWaterMillis,
 *                         int folders; per folder: UTF folder, int n, n x (varint shared, rest)
 * int    pending; per split: as in version 1
 * </pre>
 * Names are front-coded in sorted order, as search indexes store terms: each is the number of
 * leading characters it shares with the previous name and the rest ({@link #writeRest}, a UUID
 * in it as 16 bytes). Firehose names of one folder share {@code <stream>-<version>-yyyy-MM-dd-HH-},
 * so a ~80-character name costs about 28 bytes: its {@code mm-ss-} (6), its UUID (16), {@code .gz}
 * and 4 bytes of lengths.
 *
 * <p>Version 1 (read only): {@code long lowWaterHour; int hours; per hour: long hour, int n,
 * n x UTF name; pending splits}. It recorded neither path nor layout: it becomes the state of
 * {@link DiscoveryState#UNRECORDED_PATH} with the default UTC {@code yyyy/MM/dd/HH} folders and
 * the partitioning its content shows.
 */
public final class DiscoveryStateSerializer implements SimpleVersionedSerializer<DiscoveryState> {

    public static final int VERSION = 2;

    private static final long NO_HOUR_V1 = Long.MIN_VALUE;
    /** A UUID as {@link UUID#toString()} writes it, so that it reads back to the same text. */
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(DiscoveryState state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256 + 64 * state.trackedObjects());
        out.writeInt(state.paths().size());
        for (Map.Entry<String, DiscoveryState.PathState> entry : state.paths().entrySet()) {
            DiscoveryState.PathState path = entry.getValue();
            out.writeUTF(entry.getKey());
            out.writeUTF(orEmpty(path.partitioning()));
            out.writeUTF(orEmpty(path.pattern()));
            out.writeUTF(orEmpty(path.timeZone()));
            out.writeLong(path.lowWaterMillis());
            out.writeInt(path.seenByFolder().size());
            for (Map.Entry<String, Set<String>> folder : path.seenByFolder().entrySet()) {
                out.writeUTF(folder.getKey());
                out.writeInt(folder.getValue().size());
                String previous = "";
                for (String name : folder.getValue()) { // sorted: a TreeSet
                    int shared = sharedPrefix(previous, name);
                    writeVarInt(out, shared);
                    writeRest(out, name.substring(shared));
                    previous = name;
                }
            }
        }
        writeSplits(out, state.pendingSplits());
        return out.getCopyOfBuffer();
    }

    @Override
    public DiscoveryState deserialize(int version, byte[] serialized) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(serialized);
        DiscoveryState state;
        if (version == 2) {
            int paths = in.readInt();
            Map<String, DiscoveryState.PathState> byPath = new LinkedHashMap<>();
            for (int p = 0; p < paths; p++) {
                String key = in.readUTF();
                String partitioning = orNull(in.readUTF());
                String pattern = orNull(in.readUTF());
                String zone = orNull(in.readUTF());
                long lowWater = in.readLong();
                int folders = in.readInt();
                Map<String, Set<String>> seen = new TreeMap<>();
                for (int f = 0; f < folders; f++) {
                    String folder = in.readUTF();
                    int n = in.readInt();
                    Set<String> names = new TreeSet<>();
                    String previous = "";
                    for (int i = 0; i < n; i++) {
                        int shared = readVarInt(in);
                        previous = previous.substring(0, shared) + readRest(in);
                        names.add(previous);
                    }
                    seen.put(folder, names);
                }
                byPath.put(key, new DiscoveryState.PathState(partitioning, pattern, zone, lowWater, seen));
            }
            state = new DiscoveryState(byPath, readSplits(in));
        } else if (version == 1) {
            state = readVersion1(in);
        } else {
            throw new IOException("Unknown DiscoveryState version " + version + " (this build reads 1 and " + VERSION + ")");
        }
        if (in.available() != 0) {
            throw new IOException("DiscoveryState has " + in.available() + " unexpected trailing bytes");
        }
        return state;
    }

    private static DiscoveryState readVersion1(DataInputDeserializer in) throws IOException {
        long lowWaterHour = in.readLong();
        int hours = in.readInt();
        Map<String, Set<String>> seen = new TreeMap<>();
        for (int h = 0; h < hours; h++) {
            long hour = in.readLong();
            int n = in.readInt();
            Set<String> names = new TreeSet<>();
            for (int i = 0; i < n; i++) {
                names.add(in.readUTF());
            }
            seen.put(hour == NO_HOUR_V1 ? "" : HourFolders.name(hour), names);
        }
        List<FileSourceSplit> splits = readSplits(in);
        // Version 1 wrote an hour only with firehose-hourly; names without an hour only with none;
        // neither (bounded mode, or nothing seen yet) says nothing about the partitioning.
        String partitioning = lowWaterHour != NO_HOUR_V1 ? Partitioning.FIREHOSE_HOURLY.key()
                : seen.isEmpty() ? null : Partitioning.NONE.key();
        long lowWater = lowWaterHour == NO_HOUR_V1 ? DiscoveryState.NO_LOW_WATER : HourFolders.startOf(lowWaterHour).toEpochMilli();
        DiscoveryState.PathState path = new DiscoveryState.PathState(partitioning, FirehosePrefix.DEFAULT_PATTERN,
                "UTC", lowWater, seen);
        return DiscoveryState.of(DiscoveryState.UNRECORDED_PATH, path, splits);
    }

    private static void writeSplits(DataOutputSerializer out, List<FileSourceSplit> splits) throws IOException {
        out.writeInt(splits.size());
        for (FileSourceSplit split : splits) {
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
    }

    private static List<FileSourceSplit> readSplits(DataInputDeserializer in) throws IOException {
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
        return splits;
    }

    /**
     * The rest of a name after the shared prefix: {@code varint (textLength << 1 | hasUuid)}, the
     * text as UTF-8, and when the rest holds a lowercase UUID (Firehose ends every name with one,
     * before an optional {@code .gz}) the text stops before it, followed by the UUID's 16 bytes and
     * {@code varint length} plus UTF-8 of what comes after it: 36 characters become 16 bytes.
     */
    private static void writeRest(DataOutputSerializer out, String rest) throws IOException {
        Matcher uuid = UUID_TEXT.matcher(rest);
        int at = -1;
        while (uuid.find()) {
            at = uuid.start();
        }
        byte[] text = (at < 0 ? rest : rest.substring(0, at)).getBytes(StandardCharsets.UTF_8);
        writeVarInt(out, text.length << 1 | (at < 0 ? 0 : 1));
        out.write(text);
        if (at >= 0) {
            UUID id = UUID.fromString(rest.substring(at, at + 36));
            out.writeLong(id.getMostSignificantBits());
            out.writeLong(id.getLeastSignificantBits());
            byte[] after = rest.substring(at + 36).getBytes(StandardCharsets.UTF_8);
            writeVarInt(out, after.length);
            out.write(after);
        }
    }

    private static String readRest(DataInputDeserializer in) throws IOException {
        int header = readVarInt(in);
        String text = readUtf8(in, header >>> 1);
        if ((header & 1) == 0) {
            return text;
        }
        UUID id = new UUID(in.readLong(), in.readLong());
        return text + id + readUtf8(in, readVarInt(in));
    }

    private static String readUtf8(DataInputDeserializer in, int length) throws IOException {
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static int sharedPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        // Never split a surrogate pair: the rest must be valid UTF-16 on its own.
        if (i > 0 && i < b.length() && Character.isHighSurrogate(b.charAt(i - 1))) {
            i--;
        }
        return i;
    }

    private static void writeVarInt(DataOutputSerializer out, int v) throws IOException {
        while ((v & ~0x7F) != 0) {
            out.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    private static int readVarInt(DataInputDeserializer in) throws IOException {
        int v = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("DiscoveryState: malformed length");
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String orNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
