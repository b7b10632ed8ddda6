package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import java.util.Arrays;
import java.util.Objects;

/**
 * One top-level JSON value framed out of an S3 object by {@link FirehoseObjectFormat}, or a framing
 * failure at that position.
 *
 * <p>The source only frames: it never interprets the value, so a restore that re-reads an object
 * and skips N records lands on the same value (FileSource checkpoints "records to skip").
 *
 * <p>A Flink POJO (public fields, no-arg constructor) so it travels without Kryo.
 */
public class ObjectRecord {
    /** Object path as Flink sees it, e.g. {@code s3://bucket/2026/11/26/15/stream-1-...}. */
    public String objectKey;
    /** Zero-based position of this record within its object. */
    public long index;
    /** Byte offset of the value in the object's decompressed stream. */
    public long offset;
    /** The value's bytes exactly as read (UTF-8 JSON), or the unreadable bytes for a failure. */
    public byte[] payload;
    /** {@code null} for a framed value; otherwise a {@link DeadLetterReason} code. */
    public String failure;
    /** Human-readable detail for a failure; never holds payload bytes. */
    public String detail;

    public ObjectRecord() {}

    public static ObjectRecord value(String objectKey, long index, long offset, byte[] payload) {
        ObjectRecord r = new ObjectRecord();
        r.objectKey = objectKey;
        r.index = index;
        r.offset = offset;
        r.payload = payload;
        return r;
    }

    public static ObjectRecord failure(
            String objectKey, long index, long offset, DeadLetterReason reason, String detail, byte[] payload) {
        ObjectRecord r = value(objectKey, index, offset, payload);
        r.failure = reason.code();
        r.detail = detail;
        return r;
    }

    public boolean isFailure() {
        return failure != null;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ObjectRecord)) {
            return false;
        }
        ObjectRecord r = (ObjectRecord) o;
        return index == r.index
                && offset == r.offset
                && Objects.equals(objectKey, r.objectKey)
                && Arrays.equals(payload, r.payload)
                && Objects.equals(failure, r.failure)
                && Objects.equals(detail, r.detail);
    }

    @Override
    public int hashCode() {
        return Objects.hash(objectKey, index, offset, failure);
    }

    /** Position and failure only: never the payload, which can hold Secret data. */
    @Override
    public String toString() {
        return "ObjectRecord{" + objectKey + " #" + index + " @" + offset
                + (failure == null ? "" : " " + failure) + "}";
    }
}
