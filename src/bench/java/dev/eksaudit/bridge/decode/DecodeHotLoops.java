package dev.eksaudit.bridge.decode;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/** Bench-only door to the decoder's package-private hot loops, for {@code HotLoopsJmh}. */
public final class DecodeHotLoops {
    private DecodeHotLoops() {}

    /** Frames every top-level value of an uncompressed object; returns the bytes framed. */
    public static long frame(byte[] object) throws IOException {
        JsonValueFramer framer = new JsonValueFramer(new ByteArrayInputStream(object), Long.MAX_VALUE);
        long bytes = 0;
        FramedValue v;
        while ((v = framer.next()) != null) {
            bytes += v.toRecord("k", 0).payload.length;
        }
        return bytes;
    }

    /** {@code stageTimestamp} to epoch millis, as the validator reads it. */
    public static long stageTimestamp(String text) {
        Long millis = AuditEventValidator.rfc3339Millis(text);
        return millis == null ? -1 : millis;
    }

    /** Every envelope of an uncompressed object (layout c) read to its messages' bytes; returns their total. */
    public static long messages(byte[] object) throws IOException {
        JsonValueFramer framer = new JsonValueFramer(new ByteArrayInputStream(object), Long.MAX_VALUE);
        EnvelopeReader reader = new EnvelopeReader();
        long bytes = 0;
        FramedValue v;
        while ((v = framer.next()) != null) {
            EnvelopeReader.Record r = reader.read(v.toRecord("k", 0).payload);
            if (r.logEvents != null) {
                for (EnvelopeReader.LogEvent e : r.logEvents) {
                    bytes += e.message == null ? 0 : e.message.length;
                }
            }
        }
        return bytes;
    }

    /** Validates every event as the decoder does ({@code scan}) or with Jackson only; returns the valid ones. */
    public static long validate(java.util.List<byte[]> events, boolean scan) {
        AuditEventValidator validator = new AuditEventValidator(1 << 20, scan);
        long valid = 0;
        for (byte[] json : events) {
            if (validator.validate(json, "k").isValid()) {
                valid++;
            }
        }
        return valid;
    }
}
