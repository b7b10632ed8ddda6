package dev.eksaudit.bridge.dedup;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * The dedup key's serializer: the bytes of Flink's {@link StringSerializer}, written in one call.
 *
 * <p>Every checkpoint of the heap backend writes every remembered auditID, and StringSerializer
 * hands each of its 36 chars to the stream as its own synchronized {@code write(int)}: 0.8 us per
 * entry, two thirds of the snapshot. With the default one-hour TTL and 30 s checkpoints each event
 * pays for about 120 entries, more than all its other work together. Same bytes, so state written
 * by StringSerializer restores unchanged (RocksDB finds the same key bytes) and the snapshot says so.
 */
public final class AuditIdSerializer extends TypeSerializerSingleton<String> {
    private static final long serialVersionUID = 1L;

    public static final AuditIdSerializer INSTANCE = new AuditIdSerializer();

    /** Longer keys go through StringValue as before (a buffer of 3 bytes per char would be large). */
    private static final int BUFFERED_CHARS = 1024;

    private AuditIdSerializer() {}

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public String createInstance() {
        return "";
    }

    @Override
    public String copy(String from) {
        return from;
    }

    @Override
    public String copy(String from, String reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    /** {@link StringValue#writeString}'s format: length + 1 (0 is null), then each char, 7 bits a byte. */
    @Override
    public void serialize(String record, DataOutputView target) throws IOException {
        if (record == null || record.length() > BUFFERED_CHARS) {
            StringValue.writeString(record, target);
            return;
        }
        int n = record.length();
        byte[] buf = new byte[5 + 3 * n];
        int p = 0;
        int len = n + 1;
        while (len >= 0x80) {
            buf[p++] = (byte) (len | 0x80);
            len >>>= 7;
        }
        buf[p++] = (byte) len;
        for (int i = 0; i < n; i++) {
            int c = record.charAt(i);
            while (c >= 0x80) {
                buf[p++] = (byte) (c | 0x80);
                c >>>= 7;
            }
            buf[p++] = (byte) c;
        }
        target.write(buf, 0, p);
    }

    @Override
    public String deserialize(DataInputView source) throws IOException {
        return StringValue.readString(source);
    }

    @Override
    public String deserialize(String reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        StringValue.copyString(source, target);
    }

    @Override
    public TypeSerializerSnapshot<String> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Compatible as is with state written by itself or by Flink's StringSerializer: the bytes are the same. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<String> {
        public Snapshot() {
            super(() -> INSTANCE);
        }

        @Override
        public TypeSerializerSchemaCompatibility<String> resolveSchemaCompatibility(
                TypeSerializerSnapshot<String> oldSerializerSnapshot) {
            if (oldSerializerSnapshot instanceof Snapshot
                    || oldSerializerSnapshot instanceof StringSerializer.StringSerializerSnapshot) {
                return TypeSerializerSchemaCompatibility.compatibleAsIs();
            }
            return TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
