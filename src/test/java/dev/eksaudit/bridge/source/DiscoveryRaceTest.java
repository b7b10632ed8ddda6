package dev.eksaudit.bridge.source;

import static dev.eksaudit.bridge.source.EnumeratorHarness.at;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.eventtime.WatermarkAlignmentParams;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.FileSourceSplitSerializer;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.executiongraph.ExecutionGraphTestUtils;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.messages.Acknowledge;
import org.apache.flink.runtime.operators.coordination.MockOperatorCoordinatorContext;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.apache.flink.runtime.source.coordinator.SourceCoordinator;
import org.apache.flink.runtime.source.coordinator.SourceCoordinatorProvider;
import org.apache.flink.runtime.source.event.AddSplitEvent;
import org.apache.flink.runtime.source.event.ReaderRegistrationEvent;
import org.apache.flink.runtime.source.event.RequestSplitEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The discovery race on Flink's own source coordinator: its coordinator thread runs the
 * enumerator, its worker thread the periodic listings, exactly as on a JobManager. Flink starts
 * the next listing as soon as the previous one returned, while that one's result still waits for
 * the coordinator thread; here latches hold each party at the point where the race bites:
 *
 * <ol>
 *   <li>late sweep A lists 07..10 (low-water 07:00) and returns while the coordinator thread is busy;
 *   <li>late sweep B starts on the worker with the old low-water mark and is held inside folder 07;
 *   <li>A's result is handled: the four objects are handed out, the mark moves to 08:20, 07 is forgotten;
 *   <li>B returns, bringing folder 07 again.
 * </ol>
 * B's result must not bring 07's object back: it is read exactly once.
 */
class DiscoveryRaceTest {

    static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir java.nio.file.Path dir;

    @Test
    void aListingThatStartedBeforeTheLowWaterMarkMovedHandsOutNothingAgain() throws Exception {
        LocalBucket bucket = new LocalBucket(dir);
        List<String> objects = List.of(bucket.put(at("2026-11-26T07:10:00Z")), bucket.put(at("2026-11-26T08:10:00Z")),
                bucket.put(at("2026-11-26T09:10:00Z")), bucket.put(at("2026-11-26T10:10:00Z")));
        LatchedLister lister = new LatchedLister(bucket.root(), "2026/11/26/07");
        FirehoseSource source = FirehoseSource.builder(bucket.root(), new PathPerObjectFormat())
                // One second later at every reading: each listing runs at its own instant, so each is a late sweep.
                .setClock(MutableClock.ticking(at("2026-11-26T10:20:00Z"), Duration.ofSeconds(1)))
                .setStart(StartPosition.at(at("2026-11-26T07:00:00Z")))
                .setLookback(Duration.ofHours(1))
                .setLateLookback(Duration.ofHours(2))
                .setDiscoveryInterval(Duration.ofMillis(20))
                .setLateDiscoveryInterval(Duration.ofMillis(1)) // every listing is a late sweep
                .setObjectLister(lister)
                .build();

        MockOperatorCoordinatorContext operatorContext = new MockOperatorCoordinatorContext(new OperatorID(), 1);
        @SuppressWarnings("unchecked")
        SourceCoordinator<FileSourceSplit, DiscoveryState> coordinator = (SourceCoordinator<FileSourceSplit, DiscoveryState>)
                new SourceCoordinatorProvider<>("S3 objects", operatorContext.getOperatorId(), source, 1,
                        WatermarkAlignmentParams.WATERMARK_ALIGNMENT_DISABLED, null).getCoordinator(operatorContext);
        Reader reader = new Reader(coordinator);
        try {
            coordinator.start();
            coordinator.executionAttemptReady(0, 0, reader);
            coordinator.handleEventFromOperator(0, 0, new ReaderRegistrationEvent(0, "localhost"));
            coordinator.handleEventFromOperator(0, 0, new RequestSplitEvent());

            // 1. A is inside folder 07; occupy the coordinator thread, then let A return.
            await(lister.firstEntered);
            CountDownLatch coordinatorBusy = new CountDownLatch(1);
            CountDownLatch releaseCoordinator = new CountDownLatch(1);
            coordinator.getCoordinatorExecutor().execute(() -> {
                coordinatorBusy.countDown();
                awaitUninterruptibly(releaseCoordinator);
            });
            await(coordinatorBusy);
            lister.releaseFirst.countDown();

            // 2. B started on the worker before A's result was handled: it lists 07 again.
            await(lister.secondEntered);

            // 3. A's result is handled: every object handed out once, folder 07 forgotten.
            releaseCoordinator.countDown();
            waitUntil(() -> reader.keys(bucket).size() == 4);
            assertThat(reader.keys(bucket)).containsExactlyElementsOf(objects);
            assertThat(onCoordinator(coordinator, () -> enumerator(coordinator).pathState().seenByFolder().keySet()))
                    .containsExactly("2026/11/26/08", "2026/11/26/09", "2026/11/26/10");

            // 4. B returns with folder 07's object. Once a later listing started, B's result has been
            // handled (the worker queued it before that listing began; the coordinator runs in order).
            int listingsBefore = lister.calls.get();
            lister.releaseSecond.countDown();
            waitUntil(() -> lister.calls.get() > listingsBefore + 4);
            DiscoveryState.PathState state = onCoordinator(coordinator, () -> enumerator(coordinator).pathState());

            assertThat(reader.keys(bucket)).containsExactlyElementsOf(objects);
            assertThat(state.seenByFolder().keySet()).doesNotContain("2026/11/26/07");
            assertThat(Instant.ofEpochMilli(state.lowWaterMillis())).isAfter(at("2026-11-26T08:00:00Z"));
            assertThat(operatorContext.isJobFailed()).isFalse();
        } finally {
            lister.releaseFirst.countDown();
            lister.releaseSecond.countDown();
            coordinator.close();
        }
    }

    private static HourlyWindowEnumerator enumerator(SourceCoordinator<FileSourceSplit, DiscoveryState> coordinator) {
        return (HourlyWindowEnumerator) coordinator.getEnumerator();
    }

    private static <T> T onCoordinator(SourceCoordinator<?, ?> coordinator, java.util.concurrent.Callable<T> read)
            throws Exception {
        return coordinator.getCoordinatorExecutor().submit(read).get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void await(CountDownLatch latch) throws InterruptedException {
        assertThat(latch.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).as("reached within %s", DEADLINE).isTrue();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within %s", DEADLINE).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /** The real lister; the first and the second listing of one folder each wait for the test. */
    static final class LatchedLister implements ObjectLister {
        private static final long serialVersionUID = 1L;
        final transient CountDownLatch firstEntered = new CountDownLatch(1);
        final transient CountDownLatch releaseFirst = new CountDownLatch(1);
        final transient CountDownLatch secondEntered = new CountDownLatch(1);
        final transient CountDownLatch releaseSecond = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();
        private final AtomicInteger ofFolder = new AtomicInteger();
        private final FileSystemObjectLister delegate = new FileSystemObjectLister();
        private final Path root;
        private final String folder;

        LatchedLister(Path root, String folder) {
            this.root = root;
            this.folder = folder;
        }

        @Override
        public List<FileStatus> listFolder(Path path) throws IOException {
            calls.incrementAndGet();
            List<FileStatus> entries = delegate.listFolder(path);
            if (HourFolders.relativize(root, path).equals(folder)) {
                int n = ofFolder.incrementAndGet();
                if (n == 1) {
                    firstEntered.countDown();
                    awaitUninterruptibly(releaseFirst);
                } else if (n == 2) {
                    secondEntered.countDown();
                    awaitUninterruptibly(releaseSecond);
                }
            }
            return entries;
        }

        @Override
        public long listRequests() {
            return delegate.listRequests();
        }
    }

    /** A source reader as the coordinator sees it: takes every split it gets and asks for the next. */
    static final class Reader implements OperatorCoordinator.SubtaskGateway {
        private final SourceCoordinator<FileSourceSplit, ?> coordinator;
        private final ExecutionAttemptID attempt = ExecutionGraphTestUtils.createExecutionAttemptId();
        private final List<FileSourceSplit> splits = new ArrayList<>();

        Reader(SourceCoordinator<FileSourceSplit, ?> coordinator) {
            this.coordinator = coordinator;
        }

        @Override
        @SuppressWarnings("unchecked")
        public CompletableFuture<Acknowledge> sendEvent(OperatorEvent event) {
            if (event instanceof AddSplitEvent) {
                try {
                    synchronized (splits) {
                        splits.addAll(((AddSplitEvent<FileSourceSplit>) event).splits(FileSourceSplitSerializer.INSTANCE));
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                coordinator.handleEventFromOperator(0, 0, new RequestSplitEvent());
            }
            return CompletableFuture.completedFuture(Acknowledge.get());
        }

        List<String> keys(LocalBucket bucket) {
            List<String> keys = new ArrayList<>();
            synchronized (splits) {
                for (FileSourceSplit split : splits) {
                    keys.add(bucket.keyOf(split));
                }
            }
            return keys;
        }

        @Override
        public ExecutionAttemptID getExecution() {
            return attempt;
        }

        @Override
        public int getSubtask() {
            return 0;
        }
    }
}
