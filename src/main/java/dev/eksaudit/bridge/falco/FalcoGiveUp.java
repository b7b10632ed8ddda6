package dev.eksaudit.bridge.falco;

/**
 * When a bounded job gives up on Falco: events wait, POSTs keep failing and none has succeeded
 * for the configured time. Fed from the sink's own counters, so it needs no hook in the delivery
 * path; a slow Falco that still accepts something never trips it. Called from one thread.
 */
final class FalcoGiveUp {

    private final long afterMs;
    private long lastSent = -1;
    private long lastFailed = -1;
    private long failingSinceMs = -1;
    private boolean fired;

    FalcoGiveUp(long afterMs) {
        this.afterMs = afterMs;
    }

    /**
     * @param sent events Falco accepted so far
     * @param failed failed POSTs so far
     * @param waiting whether events wait in the buffer or in flight
     * @return true once, when it is time to give up
     */
    boolean check(long nowMs, long sent, long failed, boolean waiting) {
        if (fired) {
            return false;
        }
        if (sent != lastSent || !waiting) {
            lastSent = sent;
            lastFailed = failed;
            failingSinceMs = -1;
            return false;
        }
        if (failed != lastFailed) {
            lastFailed = failed;
            if (failingSinceMs < 0) {
                failingSinceMs = nowMs;
            }
        }
        if (failingSinceMs >= 0 && nowMs - failingSinceMs >= afterMs) {
            fired = true;
            return true;
        }
        return false;
    }
}
