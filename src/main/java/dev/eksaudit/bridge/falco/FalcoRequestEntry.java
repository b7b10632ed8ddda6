package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.decode.AuditEvent;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One audit event waiting in the sink's buffer, with how many POSTs of it have failed so far. The
 * attempt count travels with the entry (and through checkpoints) because AsyncSink regroups entries
 * into new batches after every retry.
 */
public final class FalcoRequestEntry implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String auditId;
    private final String stage;
    private final String objectKey;
    private final byte[] json;
    private final int attempts;
    /**
     * For the event-time lag gauge only, 0 when unknown. Deliberately not in the checkpointed state
     * (the state layout stays as it is): entries restored from a checkpoint just do not move the gauge.
     */
    private final long stageTimestampMillis;
    /**
     * For per-cluster metrics only, null when unknown. Not in the checkpointed state either: the
     * state serializer reads it back from the event's {@code annotations.cluster_name}.
     */
    private final String cluster;
    /**
     * {@code annotations.cluster_name} still to splice into {@link #json} (see
     * {@link AuditEvent#spliceAt}), -1 for none. Not in the checkpointed state either: the state
     * serializer writes the spliced bytes, so restored entries carry them whole.
     */
    private final int spliceAt;
    private final int spliceCut;
    private final byte[] splice;

    public FalcoRequestEntry(String auditId, String stage, String objectKey, byte[] json, int attempts) {
        this(auditId, stage, objectKey, json, attempts, 0L);
    }

    public FalcoRequestEntry(String auditId, String stage, String objectKey, byte[] json, int attempts,
            long stageTimestampMillis) {
        this(auditId, stage, objectKey, json, attempts, stageTimestampMillis, null);
    }

    public FalcoRequestEntry(String auditId, String stage, String objectKey, byte[] json, int attempts,
            long stageTimestampMillis, String cluster) {
        this(auditId, stage, objectKey, json, attempts, stageTimestampMillis, cluster, -1, 0, null);
    }

    private FalcoRequestEntry(String auditId, String stage, String objectKey, byte[] json, int attempts,
            long stageTimestampMillis, String cluster, int spliceAt, int spliceCut, byte[] splice) {
        this.spliceAt = spliceAt;
        this.spliceCut = spliceCut;
        this.splice = splice;
        this.auditId = auditId;
        this.stage = stage;
        this.objectKey = objectKey;
        this.json = Objects.requireNonNull(json, "json");
        this.attempts = attempts;
        this.stageTimestampMillis = stageTimestampMillis;
        this.cluster = cluster;
    }

    public static FalcoRequestEntry of(AuditEvent event) {
        return new FalcoRequestEntry(event.auditId, event.stage, event.objectKey, event.json, 0, event.stageTimestampMillis,
                event.cluster, event.spliceAt, event.spliceCut, event.splice);
    }

    /** The event's stageTimestamp in epoch milliseconds, or 0 if unknown (restored from a checkpoint). */
    public long stageTimestampMillis() {
        return stageTimestampMillis;
    }

    /** The cluster the event belongs to, or null. */
    public String cluster() {
        return cluster;
    }

    public String auditId() {
        return auditId;
    }

    public String stage() {
        return stage;
    }

    public String objectKey() {
        return objectKey;
    }

    /**
     * The event's exact JSON as Falco gets it; not copied (entries are never mutated) unless the
     * cluster name is still to be spliced in. The request body uses {@link #length} and {@link #writeTo}.
     */
    public byte[] json() {
        return spliceAt < 0 ? json : AuditEvent.spliced(json, spliceAt, spliceCut, splice);
    }

    /** The length of {@link #json()}. */
    public int length() {
        return spliceAt < 0 ? json.length : json.length - spliceCut + splice.length;
    }

    /** Copies {@link #json()} into {@code to} at {@code at}; returns the position after it. */
    int writeTo(byte[] to, int at) {
        if (spliceAt < 0) {
            System.arraycopy(json, 0, to, at, json.length);
            return at + json.length;
        }
        System.arraycopy(json, 0, to, at, spliceAt);
        System.arraycopy(splice, 0, to, at + spliceAt, splice.length);
        int rest = json.length - spliceAt - spliceCut;
        System.arraycopy(json, spliceAt + spliceCut, to, at + spliceAt + splice.length, rest);
        return at + spliceAt + splice.length + rest;
    }

    /** Failed POSTs so far. */
    public int attempts() {
        return attempts;
    }

    /** A copy that remembers one more failed POST. */
    public FalcoRequestEntry failedOnce() {
        return new FalcoRequestEntry(auditId, stage, objectKey, json, attempts + 1, stageTimestampMillis, cluster,
                spliceAt, spliceCut, splice);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof FalcoRequestEntry)) {
            return false;
        }
        FalcoRequestEntry e = (FalcoRequestEntry) o;
        return attempts == e.attempts
                && Objects.equals(auditId, e.auditId)
                && Objects.equals(stage, e.stage)
                && Objects.equals(objectKey, e.objectKey)
                && Arrays.equals(json(), e.json());
    }

    @Override
    public int hashCode() {
        return Objects.hash(auditId, stage, attempts);
    }

    /** Identity only: the payload can hold Secret data. */
    @Override
    public String toString() {
        return auditId + "/" + stage + " (" + length() + " bytes, " + attempts + " failed attempts)";
    }
}
