package dev.eksaudit.bridge.decode;

import java.util.Arrays;
import java.util.Objects;

/**
 * A Kubernetes audit {@code Event} that passed validation, carried as the exact JSON text it
 * arrived in so the sink forwards it without re-encoding.
 *
 * <p>A Flink POJO (public fields, no-arg constructor) so it travels without Kryo.
 */
public class AuditEvent {
    public String auditId;
    /** One of the four Kubernetes stages, see {@link Stage}. */
    public String stage;
    /** {@code stageTimestamp} in epoch milliseconds. */
    public long stageTimestampMillis;
    /** Where it came from, for dead letters and logs. */
    public String objectKey;
    /** The event's JSON, UTF-8, as received; see {@link #falcoJson()} for what Falco gets. */
    public byte[] json;
    /**
     * Where {@code annotations.cluster_name} goes into {@link #json}, or -1 when the event is
     * forwarded as it is: {@link #spliceCut} bytes there are replaced by {@link #splice}. The sink
     * splices while it copies the event into a request body, so the event is not copied for it here.
     */
    public int spliceAt = -1;
    public int spliceCut;
    /** Shared by the events of one cluster and place; never modified. */
    public byte[] splice;
    /**
     * The cluster it belongs to (its {@code annotations.cluster_name}, or the name the bridge
     * resolved), for per-cluster metrics; null when unknown.
     */
    public String cluster;

    public AuditEvent() {}

    public AuditEvent(String auditId, String stage, long stageTimestampMillis, String objectKey, byte[] json) {
        this.auditId = auditId;
        this.stage = stage;
        this.stageTimestampMillis = stageTimestampMillis;
        this.objectKey = objectKey;
        this.json = json;
    }

    /** The bytes Falco gets: {@link #json} with the cluster name spliced in (a copy when tagged). */
    public byte[] falcoJson() {
        return spliceAt < 0 ? json : spliced(json, spliceAt, spliceCut, splice);
    }

    /** {@code json} with {@code cut} bytes at {@code at} replaced by {@code insert}. */
    public static byte[] spliced(byte[] json, int at, int cut, byte[] insert) {
        byte[] out = new byte[json.length - cut + insert.length];
        System.arraycopy(json, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(json, at + cut, out, at + insert.length, json.length - at - cut);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AuditEvent)) {
            return false;
        }
        AuditEvent e = (AuditEvent) o;
        return stageTimestampMillis == e.stageTimestampMillis
                && Objects.equals(auditId, e.auditId)
                && Objects.equals(stage, e.stage)
                && Objects.equals(objectKey, e.objectKey)
                && Objects.equals(cluster, e.cluster)
                && Arrays.equals(falcoJson(), e.falcoJson());
    }

    @Override
    public int hashCode() {
        return Objects.hash(auditId, stage);
    }

    /** Identity only: never the payload, which can hold Secret data. */
    @Override
    public String toString() {
        return "AuditEvent{" + auditId + "/" + stage + " from " + objectKey + "}";
    }
}
