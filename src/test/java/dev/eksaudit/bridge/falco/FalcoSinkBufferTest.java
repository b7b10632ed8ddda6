package dev.eksaudit.bridge.falco;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.ConfigException;
import dev.eksaudit.bridge.decode.AuditEvent;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.metrics.Gauge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sink buffer's byte bound ({@code falco.buffer.max-bytes}) and what an outage costs in heap. */
@Timeout(120)
class FalcoSinkBufferTest {

    private static final int BIG = 200_000;

    @Test
    void defaultIsInFlightPlusOneBatches() {
        FalcoSinkSettings s = FalcoSink.builder().setUrls(List.of(java.net.URI.create("http://falco:9765/k8s-audit")))
                .validate();
        assertThat(s.maxBufferBytes).isEqualTo(5 * s.batchBytesLimit());
        FalcoSinkSettings eight = FalcoSink.builder().setUrls(List.of(java.net.URI.create("http://falco:9765/k8s-audit")))
                .setMaxInFlight(8).setMaxBatchBytes(1 << 20).validate();
        assertThat(eight.maxBufferBytes).isEqualTo(9L << 20);
    }

    @Test
    void configuredValueIsUsedAndCheckedAtStart() {
        FalcoSinkSettings s = FalcoSinkBuilder.fromConfig(BridgeConfig.fromArgs(
                "--input.path", "s3://audit/eks/", "--falco.url", "http://falco:9765/k8s-audit",
                "--falco.buffer.max-bytes", "64 mb")).validate();
        assertThat(s.maxBufferBytes).isEqualTo(64L << 20);
        assertThatThrownBy(() -> FalcoSinkBuilder.fromConfig(BridgeConfig.fromArgs(
                "--input.path", "s3://audit/eks/", "--falco.url", "http://falco:9765/k8s-audit",
                "--falco.buffer.max-bytes", "1 mb")).build())
                .isInstanceOf(ConfigException.class)
                .hasMessage("falco.buffer.max-bytes: must be at least one batch (falco.batch.max-bytes, 4194304 bytes),"
                        + " got 1048576 bytes");
    }

    /**
     * Falco down while 200 KB events keep coming, default settings: {@code write()} stops taking
     * them at {@code falco.buffer.max-bytes} (20 MB) long before the entry limit (4,000 entries,
     * 800 MB of such events), the heap stays at that, and everything arrives once Falco is back.
     */
    @Test
    void outageWithBigEventsStaysWithinTheByteLimit() throws Exception {
        int total = 300;
        FalcoWriterContext ctx = new FalcoWriterContext();
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start()) {
            receiver.stop();
            FalcoSinkSettings settings = FalcoSink.builder()
                    .setUrls(List.of(receiver.url()))
                    .setInitialBackoff(Duration.ofMillis(10))
                    .setMaxBackoff(Duration.ofMillis(100))
                    .setMaxBatchDelay(Duration.ofHours(1))
                    .validate();
            long entry = event(0).json.length;
            long limit = settings.maxBufferBytes;
            long baseline = liveHeap();
            AtomicLong heapDuring = new AtomicLong();
            AtomicLong bufferedDuring = new AtomicLong();
            AtomicInteger eventsDuring = new AtomicInteger();
            AtomicInteger writesReturned = new AtomicInteger();
            AtomicReference<Throwable> helperFailed = new AtomicReference<>();
            long maxAtReturn = 0;
            try (FalcoSinkWriter writer = new FalcoSinkWriter(new FalcoElementConverter(), ctx, settings, List.of())) {
                Gauge<Long> bytes = ctx.metrics.<Long>getGauge("bufferedBytes").orElseThrow();
                Gauge<Integer> events = ctx.metrics.<Integer>getGauge("bufferedEvents").orElseThrow();
                // Measures while the test thread waits in write(), then brings Falco back.
                Thread helper = new Thread(() -> {
                    try {
                        awaitStuck(writesReturned, bytes, limit - entry);
                        heapDuring.set(liveHeap());
                        bufferedDuring.set(bytes.getValue());
                        eventsDuring.set(events.getValue());
                        receiver.restart();
                    } catch (Throwable t) {
                        helperFailed.set(t);
                        receiver.restart();
                    }
                }, "outage-helper");
                helper.start();
                for (int i = 0; i < total; i++) {
                    // Made one at a time, so only what the sink holds is on the heap.
                    writer.write(event(i), null);
                    writesReturned.incrementAndGet();
                    maxAtReturn = Math.max(maxAtReturn, bytes.getValue());
                }
                writer.flush(true);
                helper.join(TimeUnit.SECONDS.toMillis(30));
                assertThat(helperFailed.get()).isNull();
                receiver.awaitEventCount(total, Duration.ofSeconds(30));
            }
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                sent.add(id(i) + "/ResponseComplete");
            }
            assertThat(receiver.eventKeys()).containsExactlyInAnyOrderElementsOf(sent);
            // The bytes stopped the buffer, not the entry count.
            assertThat(maxAtReturn).isLessThanOrEqualTo(limit + entry).isGreaterThanOrEqualTo(limit - entry);
            assertThat(bufferedDuring.get()).isGreaterThanOrEqualTo(limit - entry);
            assertThat(eventsDuring.get()).isLessThan(FalcoSink.bufferedLimit(settings) / 10);
            long grew = heapDuring.get() - baseline;
            System.out.printf("Falco down, 200 KB events, defaults: buffered %d events / %d bytes (limit %d),"
                    + " live heap grew %d bytes (baseline %d)%n",
                    eventsDuring.get(), bufferedDuring.get(), limit, grew, baseline);
            // The buffer plus at most max-in-flight batches in POSTs (and their bodies), far from
            // the 800 MB the entry limit alone would let in.
            assertThat(grew).isLessThan(limit + 2L * settings.maxInFlight * settings.batchBytesLimit() + (16L << 20));
        }
    }

    /** Small events: the entry limit still applies as before. */
    @Test
    void entryLimitStillBoundsSmallEvents() throws Exception {
        FalcoWriterContext ctx = new FalcoWriterContext();
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start()) {
            receiver.stop();
            FalcoSinkSettings settings = FalcoSink.builder()
                    .setUrls(List.of(receiver.url()))
                    .setMaxBatchEvents(10)
                    .setMaxInFlight(1)
                    .setInitialBackoff(Duration.ofMillis(10))
                    .setMaxBackoff(Duration.ofMillis(50))
                    .setMaxBatchDelay(Duration.ofHours(1))
                    .validate();
            int limit = FalcoSink.bufferedLimit(settings);
            AtomicInteger writesReturned = new AtomicInteger();
            int maxAtReturn = 0;
            try (FalcoSinkWriter writer = new FalcoSinkWriter(new FalcoElementConverter(), ctx, settings, List.of())) {
                Gauge<Integer> events = ctx.metrics.<Integer>getGauge("bufferedEvents").orElseThrow();
                Gauge<Long> bytes = ctx.metrics.<Long>getGauge("bufferedBytes").orElseThrow();
                Thread helper = new Thread(() -> {
                    try {
                        awaitStuck(writesReturned, () -> (long) events.getValue(), limit - 1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        receiver.restart();
                    }
                }, "outage-helper");
                helper.start();
                for (int i = 0; i < 100; i++) {
                    writer.write(small(i), null);
                    writesReturned.incrementAndGet();
                    maxAtReturn = Math.max(maxAtReturn, events.getValue());
                }
                writer.flush(true);
                helper.join(TimeUnit.SECONDS.toMillis(30));
                receiver.awaitEventCount(100, Duration.ofSeconds(30));
                assertThat(bytes.getValue()).isZero();
                assertThat(events.getValue()).isZero();
            }
            assertThat(maxAtReturn).isEqualTo(limit);
            assertThat(receiver.eventKeys()).hasSize(100).doesNotHaveDuplicates();
        }
    }

    /** Waits until write() has not returned for a second while the buffer is at {@code atLeast}. */
    private static void awaitStuck(AtomicInteger writesReturned, Gauge<Long> buffered, long atLeast)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int seen = -1;
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            int now = writesReturned.get();
            if (now != seen || buffered.getValue() < atLeast) {
                seen = now;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > TimeUnit.SECONDS.toNanos(1)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("write() never waited with " + atLeast + " buffered");
    }

    private static long liveHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static String id(int i) {
        return new UUID(0xb16L, i).toString();
    }

    private static AuditEvent event(int i) {
        return withPad(i, BIG);
    }

    private static AuditEvent small(int i) {
        return withPad(i, 100);
    }

    private static AuditEvent withPad(int i, int pad) {
        String json = "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"RequestResponse\",\"auditID\":\""
                + id(i) + "\",\"stage\":\"ResponseComplete\",\"verb\":\"update\",\"requestURI\":\"/api/v1/configmaps\","
                + "\"stageTimestamp\":\"2026-11-26T10:00:00.123456Z\",\"annotations\":{\"pad\":\"" + "x".repeat(pad) + "\"}}";
        return new AuditEvent(id(i), "ResponseComplete", 1_795_000_000_000L + i, "2026/11/26/10/big", json.getBytes(StandardCharsets.UTF_8));
    }
}
