package dev.eksaudit.bridge.falco;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The body of one POST: an {@code EventList} made by concatenating the events' own bytes, so what
 * Falco parses is exactly what the API server logged.
 */
final class FalcoBatchBody {

    private static final byte[] HEAD =
            "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = "]}".getBytes(StandardCharsets.US_ASCII);

    /** Bytes a body adds around its events: envelope plus one comma between two events. */
    static long overhead(int events) {
        return HEAD.length + TAIL.length + Math.max(0, events - 1);
    }

    static byte[] build(List<FalcoRequestEntry> entries) {
        long size = overhead(entries.size());
        for (FalcoRequestEntry e : entries) {
            size += e.length();
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("batch of " + size + " bytes cannot be one request body");
        }
        byte[] body = new byte[(int) size];
        int pos = copy(HEAD, body, 0);
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) {
                body[pos++] = ',';
            }
            pos = entries.get(i).writeTo(body, pos);
        }
        copy(TAIL, body, pos);
        return body;
    }

    private static int copy(byte[] from, byte[] to, int at) {
        System.arraycopy(from, 0, to, at, from.length);
        return at + from.length;
    }

    private FalcoBatchBody() {}
}
