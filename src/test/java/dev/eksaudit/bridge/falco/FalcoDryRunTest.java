package dev.eksaudit.bridge.falco;

import static dev.eksaudit.bridge.falco.FalcoTestEvents.events;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.decode.AuditEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A dry run counts what it would have sent, in the same counters a real run uses, and posts nothing. */
class FalcoDryRunTest {

    @Test
    void dryRunCountsEventsAndBatchesItWouldHaveSent() throws Exception {
        List<AuditEvent> sent = events(35, 50);
        FalcoWriterContext ctx = new FalcoWriterContext();
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start();
                FalcoSinkWriter writer = new FalcoSinkWriter(new FalcoElementConverter(), ctx,
                        FalcoSink.builder().setUrls(List.of(receiver.url())).setMaxBatchEvents(10).setDryRun(true).validate(),
                        List.of())) {
            for (AuditEvent e : sent) {
                writer.write(e, null);
            }
            writer.flush(true);

            assertThat(ctx.metrics.getCounter("eventsSent").orElseThrow().getCount()).isEqualTo(35);
            assertThat(ctx.metrics.getCounter("batchesSent").orElseThrow().getCount()).isEqualTo(4);
            assertThat(receiver.requestCount()).isZero();
        }
    }
}
