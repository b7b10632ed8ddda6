package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.TestSourceFunction;
import dev.eksaudit.bridge.decode.AuditEvent;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Emits its events, then stays running until {@link #RELEASE} opens, so the job keeps taking
 * checkpoints while the test plays with the receiver (a finished source would send the sink into
 * end-of-input, where no checkpoint happens). Static latch: one test at a time uses it.
 */
@SuppressWarnings("deprecation")
final class FalcoHoldingSource implements TestSourceFunction<AuditEvent> {
    private static final long serialVersionUID = 1L;

    static volatile CountDownLatch RELEASE = new CountDownLatch(1);

    private final int count;
    private final int padBytes;
    private volatile boolean running = true;

    /** Emits {@code FalcoTestEvents.events(count, padBytes)} (AuditEvent is not Serializable). */
    FalcoHoldingSource(int count, int padBytes) {
        this.count = count;
        this.padBytes = padBytes;
    }

    @Override
    public void run(SourceContext<AuditEvent> ctx) throws Exception {
        for (AuditEvent e : FalcoTestEvents.events(count, padBytes)) {
            synchronized (ctx.getCheckpointLock()) {
                ctx.collect(e);
            }
        }
        while (running && !RELEASE.await(50, TimeUnit.MILLISECONDS)) {
            // idle but alive: checkpoints go on
        }
    }

    @Override
    public void cancel() {
        running = false;
    }
}
