package dev.eksaudit.bridge.falco;

import java.net.URI;
import java.util.List;

/**
 * The Falco URLs of one writer: batches go round-robin; a URL that failed is skipped for a time
 * that grows with its consecutive failures (failover). When all are marked down the one that comes
 * back first is still used, because the caller has already waited its backoff.
 */
final class FalcoEndpoints {

    private final List<URI> urls;
    private final FalcoBackoff quarantine;
    private final long[] downUntil;
    private final int[] failures;
    private int cursor;

    FalcoEndpoints(List<URI> urls, FalcoBackoff quarantine) {
        this.urls = List.copyOf(urls);
        this.quarantine = quarantine;
        this.downUntil = new long[urls.size()];
        this.failures = new int[urls.size()];
    }

    synchronized URI next(long nowMs) {
        int n = urls.size();
        int soonest = 0;
        for (int i = 0; i < n; i++) {
            int idx = Math.floorMod(cursor + i, n);
            if (downUntil[idx] <= nowMs) {
                cursor = idx + 1;
                return urls.get(idx);
            }
            if (downUntil[idx] < downUntil[soonest]) {
                soonest = idx;
            }
        }
        cursor = soonest + 1;
        return urls.get(soonest);
    }

    /** Whether a URL not marked down exists (failover within one submission). */
    synchronized boolean anyUp(long nowMs) {
        for (long until : downUntil) {
            if (until <= nowMs) {
                return true;
            }
        }
        return false;
    }

    synchronized void failed(URI url, long nowMs) {
        int idx = urls.indexOf(url);
        if (idx >= 0) {
            failures[idx]++;
            downUntil[idx] = nowMs + quarantine.ceilingMs(failures[idx]);
        }
    }

    synchronized void succeeded(URI url) {
        int idx = urls.indexOf(url);
        if (idx >= 0) {
            failures[idx] = 0;
            downUntil[idx] = 0;
        }
    }
}
