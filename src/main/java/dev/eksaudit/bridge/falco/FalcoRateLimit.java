package dev.eksaudit.bridge.falco;

import org.apache.flink.connector.base.sink.writer.strategy.RateLimitingStrategy;
import org.apache.flink.connector.base.sink.writer.strategy.RequestInfo;
import org.apache.flink.connector.base.sink.writer.strategy.ResultInfo;

/**
 * At most {@code maxInFlight} POSTs, batches of the configured size. Replaces AsyncSink's default
 * AIMD strategy, which shrinks batches after every retry: our retries already back off, and a Falco
 * outage should not leave the sink sending tiny batches afterwards.
 */
final class FalcoRateLimit implements RateLimitingStrategy {

    private final int maxInFlight;
    private final int maxBatchSize;
    private int inFlight;

    FalcoRateLimit(int maxInFlight, int maxBatchSize) {
        this.maxInFlight = maxInFlight;
        this.maxBatchSize = maxBatchSize;
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
        return inFlight >= maxInFlight;
    }

    @Override
    public int getMaxBatchSize() {
        return maxBatchSize;
    }
}
