package dev.eksaudit.bridge.deadletter;

import java.util.Arrays;
import java.util.Objects;

/**
 * A record that will not reach Falco, with the reason. Written to {@code dlq.path} when set,
 * otherwise counted and logged (key and reason only, never the payload).
 *
 * <p>A Flink POJO (public fields, no-arg constructor) so it travels without Kryo.
 */
public class DeadLetter {
    /** A {@link DeadLetterReason} code. */
    public String reason;
    public String objectKey;
    /** Record index within the object, or -1 when the whole object is concerned. */
    public long index;
    /** Byte offset in the object's decompressed stream, or -1 when unknown. */
    public long offset;
    /** What went wrong, for a human; never holds payload bytes. */
    public String detail;
    /** The offending bytes (may be empty). */
    public byte[] payload;

    public DeadLetter() {}

    public DeadLetter(
            DeadLetterReason reason, String objectKey, long index, long offset, String detail, byte[] payload) {
        this.reason = reason.code();
        this.objectKey = objectKey;
        this.index = index;
        this.offset = offset;
        this.detail = detail;
        this.payload = payload == null ? new byte[0] : payload;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DeadLetter)) {
            return false;
        }
        DeadLetter d = (DeadLetter) o;
        return index == d.index
                && offset == d.offset
                && Objects.equals(reason, d.reason)
                && Objects.equals(objectKey, d.objectKey)
                && Objects.equals(detail, d.detail)
                && Arrays.equals(payload, d.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(reason, objectKey, index, offset);
    }

    /** Never the payload, which can hold Secret data. */
    @Override
    public String toString() {
        return "DeadLetter{" + reason + " " + objectKey + " #" + index + " @" + offset + ": " + detail + "}";
    }
}
