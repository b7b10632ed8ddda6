package dev.eksaudit.bridge.falco;

import java.net.URI;
import java.util.List;

/**
 * The Falco URLs of one writer: batches go round-robin; a URL that failed is skipped for a time
 * that grows with its consecutive failures (failover). When all are marked down the one that comes
 * back first is still used, because the caller has already waited its backoff.
 *
 * <p>Also what each URL's answers say about the URL itself: whether it is failing as an endpoint
 * (the {@code endpointFailing} gauge), and how many events in a row it rejected one by one with no
 * success in between. Past {@link #maxLoneRejections} of those the rejections are taken for what
 * they most likely are (a proxy that refuses everything, a 403 that is really an authentication
 * failure) and no longer dead-lettered, until a POST to the URL succeeds again.
 */
final class FalcoEndpoints {

    /** Default bound of consecutive single-event rejections that still become dead letters. */
    static final int MAX_LONE_REJECTIONS = 10;

    private final List<URI> urls;
    private final FalcoBackoff quarantine;
    private final int maxLoneRejections;
    private final long[] downUntil;
    private final int[] failures;
    private final boolean[] failing;
    private final int[] loneRejections;
    private int cursor;

    FalcoEndpoints(List<URI> urls, FalcoBackoff quarantine) {
        this(urls, quarantine, MAX_LONE_REJECTIONS);
    }

    FalcoEndpoints(List<URI> urls, FalcoBackoff quarantine, int maxLoneRejections) {
        this.urls = List.copyOf(urls);
        this.quarantine = quarantine;
        this.maxLoneRejections = maxLoneRejections;
        this.downUntil = new long[urls.size()];
        this.failures = new int[urls.size()];
        this.failing = new boolean[urls.size()];
        this.loneRejections = new int[urls.size()];
    }

    List<URI> urls() {
        return urls;
    }

    int maxLoneRejections() {
        return maxLoneRejections;
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

    /** Failures in a row of the URL since its last success. */
    synchronized int consecutiveFailures(URI url) {
        int idx = urls.indexOf(url);
        return idx < 0 ? 0 : failures[idx];
    }

    synchronized void succeeded(URI url) {
        int idx = urls.indexOf(url);
        if (idx >= 0) {
            failures[idx] = 0;
            downUntil[idx] = 0;
            failing[idx] = false;
            loneRejections[idx] = 0;
        }
    }

    /** The URL answered as a wrong endpoint; {@link #failing(URI)} until it next succeeds. */
    synchronized void endpointFailing(URI url) {
        int idx = urls.indexOf(url);
        if (idx >= 0) {
            failing[idx] = true;
        }
    }

    synchronized boolean failing(URI url) {
        int idx = urls.indexOf(url);
        return idx >= 0 && failing[idx];
    }

    /**
     * Whether the URL already rejected more lone events in a row than the bound: then a rejection
     * is not worth splitting a batch for.
     */
    synchronized boolean rejectsEverything(URI url) {
        int idx = urls.indexOf(url);
        return idx >= 0 && loneRejections[idx] > maxLoneRejections;
    }

    /**
     * Counts one event rejected on its own. True while it may become a dead letter (at most the
     * bound in a row); false once the URL rejects everything.
     */
    synchronized boolean loneRejection(URI url) {
        int idx = urls.indexOf(url);
        if (idx < 0) {
            return true;
        }
        loneRejections[idx]++;
        return loneRejections[idx] <= maxLoneRejections;
    }
}
