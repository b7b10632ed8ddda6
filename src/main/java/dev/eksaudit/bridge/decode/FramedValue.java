package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.deadletter.DeadLetterReason;

/** One item out of {@link JsonValueFramer}: a value's exact bytes, or a failure at an offset. */
final class FramedValue {
    final long offset;
    final byte[] bytes;
    /** null for a value. */
    final DeadLetterReason failure;
    final String detail;

    private FramedValue(long offset, byte[] bytes, DeadLetterReason failure, String detail) {
        this.offset = offset;
        this.bytes = bytes;
        this.failure = failure;
        this.detail = detail;
    }

    static FramedValue value(long offset, byte[] bytes) {
        return new FramedValue(offset, bytes, null, null);
    }

    static FramedValue failure(long offset, DeadLetterReason reason, String detail, byte[] bytes) {
        return new FramedValue(offset, bytes == null ? new byte[0] : bytes, reason, detail);
    }

    ObjectRecord toRecord(String objectKey, long index) {
        return failure == null
                ? ObjectRecord.value(objectKey, index, offset, bytes)
                : ObjectRecord.failure(objectKey, index, offset, failure, detail, bytes);
    }
}
