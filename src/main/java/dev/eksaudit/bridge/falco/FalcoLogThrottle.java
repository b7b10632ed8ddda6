package dev.eksaudit.bridge.falco;

import java.util.HashMap;
import java.util.Map;

/**
 * At most one log line per key and interval: a failure that repeats for an hour logs sixty
 * concise lines, not sixty thousand. Says how many occurrences the skipped lines would have had.
 */
final class FalcoLogThrottle {

    private final long intervalMs;
    /** key -> {last line at (ms), occurrences skipped since}. */
    private final Map<String, long[]> state = new HashMap<>();

    FalcoLogThrottle(long intervalMs) {
        this.intervalMs = intervalMs;
    }

    /**
     * -1 if this occurrence is not to be logged; otherwise how many occurrences were skipped since
     * the last line for the key (0 for the first).
     */
    synchronized long admit(String key, long nowMs) {
        long[] s = state.get(key);
        if (s == null) {
            state.put(key, new long[] {nowMs, 0});
            return 0;
        }
        if (nowMs - s[0] < intervalMs) {
            s[1]++;
            return -1;
        }
        long skipped = s[1];
        s[0] = nowMs;
        s[1] = 0;
        return skipped;
    }
}
