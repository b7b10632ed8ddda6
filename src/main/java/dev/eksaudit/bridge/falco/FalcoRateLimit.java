package dev.eksaudit.bridge.falco;

import org.apache.flink.connector.base.sink.writer.strategy.RateLimitingStrategy;
import org.apache.flink.connector.base.sink.writer.strategy.RequestInfo;
import org.apache.flink.connector.base.sink.writer.strategy.ResultInfo;

/**
 * At most {@code maxInFlight} POSTs, batches of the configured size, and nothing new while a
 * checkpoint drains.
 *
 * <p>Why draining: in Flink 1.20 a completed request (including one handed back with
 * {@code retryForEntries}) immediately calls AsyncSink's non-blocking flush, which re-submits a
 * full buffer at once. During a Falco outage with a full buffer the checkpoint's
 * "wait until nothing is in flight" would then never end. While draining this strategy blocks
 * every new submission, so in-flight requests run out and the buffer (with the handed-back
 * entries) goes into the checkpoint.
 *
 * <p>Also replaces AsyncSink's default AIMD strategy, which shrinks batches after every retry: our
 * retries already back off, and a Falco outage should not leave tiny batches behind.
 *
 * <p>Used on the mailbox thread only.
 */
final class FalcoRateLimit implements RateLimitingStrategy {

    private final int maxInFlight;
    private final int maxBatchSize;
    private int inFlight;
    private boolean draining;

    FalcoRateLimit(int maxInFlight, int maxBatchSize) {
        this.maxInFlight = maxInFlight;
        this.maxBatchSize = maxBatchSize;
    }

    void draining(boolean draining) {
        this.draining = draining;
    }

    boolean draining() {
        return draining;
    }

    @Override
    public void registerInFlightRequest(RequestInfo requestInfo) {
        inFlight++;
    }

    @Override
    public void registerCompletedRequest(ResultInfo resultInfo) {
        inFlight = Math.max(0, inFlight - 1);
    }

    @Override
    public boolean shouldBlock(RequestInfo requestInfo) {
        return draining || inFlight >= maxInFlight;
    }

    @Override
    public int getMaxBatchSize() {
        return maxBatchSize;
    }
}
