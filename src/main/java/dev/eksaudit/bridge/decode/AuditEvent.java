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
    /** The event's JSON, UTF-8, as received (plus {@code annotations.cluster_name} when tagged). */
    public byte[] json;
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
                && Arrays.equals(json, e.json);
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
