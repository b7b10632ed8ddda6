package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.decode.ClusterTagger;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriterStateSerializer;

/**
 * Buffered entries in checkpoints. A hand-written layout instead of Java serialization so a
 * savepoint survives changes to the class; bump the version when the layout changes.
 */
public final class FalcoStateSerializer extends AsyncSinkWriterStateSerializer<FalcoRequestEntry> {

    static final int VERSION = 1;

    @Override
    protected void serializeRequestToStream(FalcoRequestEntry entry, DataOutputStream out) throws IOException {
        writeNullable(out, entry.auditId());
        writeNullable(out, entry.stage());
        writeNullable(out, entry.objectKey());
        out.writeInt(entry.attempts());
        byte[] json = entry.json(); // with the cluster name spliced in: the layout is unchanged
        out.writeInt(json.length);
        out.write(json);
    }

    @Override
    protected FalcoRequestEntry deserializeRequestFromStream(long requestSize, DataInputStream in) throws IOException {
        String auditId = readNullable(in);
        String stage = readNullable(in);
        String objectKey = readNullable(in);
        int attempts = in.readInt();
        byte[] json = new byte[in.readInt()];
        in.readFully(json);
        // The layout is unchanged; the cluster, for per-cluster metrics, is in the event itself.
        return new FalcoRequestEntry(auditId, stage, objectKey, json, attempts, 0L, ClusterTagger.clusterNameOf(json));
    }

    @Override
    public int getVersion() {
        return VERSION;
    }

    private static void writeNullable(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeUTF(value);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
