package dev.eksaudit.bridge.decode;

import static dev.eksaudit.bridge.decode.DecodeHarness.read;
import static dev.eksaudit.bridge.decode.DecodeHarness.records;
import static dev.eksaudit.bridge.decode.DecodeHarness.testFormat;
import static dev.eksaudit.bridge.decode.DecodeHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class FirehoseObjectFormatTest {
    @TempDir
    java.nio.file.Path dir;

    private static List<byte[]> payloads(List<ObjectRecord> records) {
        return records.stream().map(r -> r.payload).toList();
    }

    private static List<byte[]> bytes(List<String> texts) {
        return texts.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    private static List<String> failures(List<ObjectRecord> records) {
        return records.stream().map(r -> r.failure).toList();
    }

    /** What framing must give for an object of {@link FirehoseFixtures#object}. */
    private static List<byte[]> expectedValues(Layout layout, List<String> events) {
        return layout == Layout.EVENTS ? bytes(events) : FirehoseFixtures.envelopes(events);
    }

    @Test
    void producesAFlinkPojoNotKryo() {
        assertThat(new FirehoseObjectFormat().getProducedType()).isInstanceOf(PojoTypeInfo.class);
        assertThat(new FirehoseObjectFormat().isSplittable()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void framesEveryLayoutIntoTheExactBytesOfEachValue(Layout layout) throws Exception {
        List<String> events = FirehoseFixtures.events(10);
        Path path = write(dir, "o", FirehoseFixtures.object(layout, events));

        List<RecordAndPosition<ObjectRecord>> read = read(testFormat(), path, -1);

        List<byte[]> expected = expectedValues(layout, events);
        assertThat(read).hasSize(expected.size());
        for (int i = 0; i < read.size(); i++) {
            ObjectRecord r = read.get(i).getRecord();
            assertThat(r.isFailure()).as("record %d", i).isFalse();
            assertThat(r.payload).as("record %d", i).isEqualTo(expected.get(i));
            assertThat(r.index).isEqualTo(i);
            assertThat(r.objectKey).isEqualTo(path.toString());
            assertThat(read.get(i).getOffset()).isEqualTo(CheckpointedPosition.NO_OFFSET);
            assertThat(read.get(i).getRecordSkipCount()).isEqualTo(i + 1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Layout.class, names = {"ENVELOPES", "EVENTS"})
    void offsetsPointAtTheValueInTheDecompressedStream(Layout layout) throws Exception {
        byte[] object = FirehoseFixtures.object(layout, FirehoseFixtures.events(7));
        for (ObjectRecord r : records(testFormat(), write(dir, "o", object))) {
            assertThat(Arrays.copyOfRange(object, (int) r.offset, (int) r.offset + r.payload.length))
                    .isEqualTo(r.payload);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {50, 1_200})
    void readsEveryMemberOfAManyMemberGzipThroughFlinksLocalFileSystem(int members) throws Exception {
        List<byte[]> envelopes = new ArrayList<>();
        List<String> events = FirehoseFixtures.events(members);
        for (int i = 0; i < members; i++) {
            envelopes.add(FirehoseFixtures.dataMessage(FirehoseFixtures.AUDIT_STREAM, List.of(events.get(i)), i));
        }
        Path path = write(dir, "many", FirehoseFixtures.gzipMembers(envelopes));
        assertThat(path.getFileSystem().isDistributedFS()).isFalse();

        List<ObjectRecord> records = records(testFormat(), path);

        assertThat(failures(records)).containsOnlyNulls();
        assertThat(payloads(records)).containsExactlyElementsOf(envelopes);
    }

    @Test
    void theJdkGzipStreamIsNotTrustedWithManyMembers() throws Exception {
        // Documents why GzipMembersInputStream reads members itself: on a Flink local stream (available()
        // may be 0) the JDK may stop early. Whatever it does, the format must read all of them.
        List<byte[]> envelopes = FirehoseFixtures.envelopes(FirehoseFixtures.events(3_000));
        byte[] object = FirehoseFixtures.gzipMembers(envelopes);
        Path path = write(dir, "jdk", object);
        long jdkBytes;
        try (FSDataInputStream in = path.getFileSystem().open(path);
                InputStream gz = new GZIPInputStream(new FilterInputStream(in) {
                    @Override
                    public int available() {
                        return 0;
                    }
                })) {
            jdkBytes = gz.readAllBytes().length;
        }
        long total = envelopes.stream().mapToLong(e -> e.length).sum();
        assertThat(jdkBytes).isLessThan(total);
        assertThat(payloads(records(testFormat(), path))).containsExactlyElementsOf(envelopes);
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void restoreSkipsExactlyTheCheckpointedRecords(Layout layout) throws Exception {
        List<String> events = FirehoseFixtures.events(20);
        Path path = write(dir, "o", FirehoseFixtures.object(layout, events));
        List<ObjectRecord> all = records(testFormat(), path);

        for (long k : new long[] {0, 1, 5, all.size() - 1, all.size(), all.size() + 3}) {
            List<RecordAndPosition<ObjectRecord>> restored = read(testFormat(), path, k);
            List<ObjectRecord> expected = all.subList((int) Math.min(k, all.size()), all.size());
            assertThat(restored.stream().map(RecordAndPosition::getRecord).toList()).as("skip %d", k)
                    .containsExactlyElementsOf(expected);
            for (int i = 0; i < restored.size(); i++) {
                assertThat(restored.get(i).getRecordSkipCount()).isEqualTo(k + i + 1);
                assertThat(restored.get(i).getRecord().index).isEqualTo(k + i);
            }
        }
    }

    @Test
    void smallBatchesKeepPositionsRight() throws Exception {
        List<String> events = FirehoseFixtures.events(30);
        Path path = write(dir, "o", FirehoseFixtures.object(Layout.EVENTS, events));
        FirehoseObjectFormat format = FirehoseObjectFormat.builder().batchRecords(4).batchBytes(100).build();

        List<RecordAndPosition<ObjectRecord>> read = read(format, path, -1);

        assertThat(payloads(read.stream().map(RecordAndPosition::getRecord).toList()))
                .containsExactlyElementsOf(bytes(events));
        for (int i = 0; i < read.size(); i++) {
            assertThat(read.get(i).getRecordSkipCount()).isEqualTo(i + 1);
        }
    }

    // ------------------------------------------------------------------ bad objects

    @Test
    void emptyObjectIsOneFailure() throws Exception {
        List<ObjectRecord> records = records(testFormat(), write(dir, "e", FirehoseFixtures.emptyObject()));
        assertThat(failures(records)).containsExactly("empty-object");
        assertThat(records.get(0).index).isZero();
    }

    @Test
    void whitespaceOnlyAndEmptyGzipAreEmptyObjects() throws Exception {
        assertThat(failures(records(testFormat(), write(dir, "w", " \n\n ".getBytes(StandardCharsets.UTF_8)))))
                .containsExactly("empty-object");
        assertThat(failures(records(testFormat(), write(dir, "g", FirehoseFixtures.gzip(new byte[0])))))
                .containsExactly("empty-object");
    }

    @Test
    void truncatedLastMemberKeepsTheRecordsBeforeIt() throws Exception {
        List<String> events = FirehoseFixtures.events(9);
        List<byte[]> envelopes = FirehoseFixtures.envelopes(events);
        List<ObjectRecord> records =
                records(testFormat(), write(dir, "t", FirehoseFixtures.truncatedLastMember(events)));

        assertThat(payloads(records.subList(0, records.size() - 1)))
                .containsExactlyElementsOf(envelopes.subList(0, envelopes.size() - 1));
        ObjectRecord last = records.get(records.size() - 1);
        assertThat(last.failure).isEqualTo("truncated-gzip");
        assertThat(last.index).isEqualTo(envelopes.size() - 1);
    }

    @Test
    void truncatedOuterGzipKeepsTheInnerMembersBeforeTheCut() throws Exception {
        List<String> events = FirehoseFixtures.events(300);
        List<byte[]> envelopes = FirehoseFixtures.envelopes(events);
        List<ObjectRecord> records =
                records(testFormat(), write(dir, "t", FirehoseFixtures.truncatedDoubleGzip(events, 0.6)));

        assertThat(failures(records)).last().isEqualTo("truncated-gzip");
        List<ObjectRecord> good = records.subList(0, records.size() - 1);
        assertThat(good.size()).isGreaterThan(envelopes.size() / 3);
        assertThat(payloads(good)).containsExactlyElementsOf(envelopes.subList(0, good.size()));
    }

    @Test
    void gzipThatDoesNotInflateIsBadGzipAfterTheGoodRecords() throws Exception {
        List<String> before = FirehoseFixtures.events(6);
        byte[] object = FirehoseFixtures.badGzipMember(before, FirehoseFixtures.events(3));
        List<ObjectRecord> records = records(testFormat(), write(dir, "b", object));

        List<byte[]> envelopes = FirehoseFixtures.envelopes(before);
        assertThat(payloads(records.subList(0, envelopes.size()))).containsExactlyElementsOf(envelopes);
        assertThat(failures(records.subList(envelopes.size(), records.size()))).containsExactly("bad-gzip");
    }

    @Test
    void garbageAfterTheLastMemberIsBadGzip() throws Exception {
        List<String> events = FirehoseFixtures.events(3);
        byte[] object = FirehoseFixtures.concat(FirehoseFixtures.object(Layout.MULTI_MEMBER_GZIP, events),
                "trailing".getBytes(StandardCharsets.UTF_8));
        List<ObjectRecord> records = records(testFormat(), write(dir, "b", object));
        assertThat(failures(records)).endsWith("bad-gzip").filteredOn(f -> f != null).hasSize(1);
        assertThat(records).hasSize(FirehoseFixtures.envelopes(events).size() + 1);
    }

    @Test
    void garbageObjectIsOneNotJsonFailure() throws Exception {
        byte[] garbage = FirehoseFixtures.garbageObject(5_000, 7);
        List<ObjectRecord> records = records(testFormat(), write(dir, "g", garbage));
        assertThat(failures(records)).containsExactly("not-json");
        assertThat(records.get(0).payload).isEqualTo(garbage);
        assertThat(records.get(0).detail).doesNotContain(new String(garbage, StandardCharsets.ISO_8859_1));
    }

    @Test
    void textBetweenValuesIsNotJsonAndFramingResumes() throws Exception {
        List<String> before = FirehoseFixtures.events(3);
        List<String> after = FirehoseFixtures.events(5).subList(3, 5);
        byte[] object = FirehoseFixtures.notJsonBetween(before, "this is not json", after);
        List<ObjectRecord> records = records(testFormat(), write(dir, "n", object));

        assertThat(failures(records)).containsExactly(null, null, null, "not-json", null, null);
        assertThat(new String(records.get(3).payload, StandardCharsets.UTF_8)).isEqualTo("this is not json\n");
        List<byte[]> expected = new ArrayList<>(bytes(before));
        expected.addAll(bytes(after));
        assertThat(payloads(records.stream().filter(r -> !r.isFailure()).toList()))
                .containsExactlyElementsOf(expected);
    }

    @Test
    void aLineThatLostAQuoteDoesNotSwallowTheNextLines() throws Exception {
        List<String> events = FirehoseFixtures.events(3);
        String broken = events.get(0).replaceFirst("\"stage\":\"", "\"stage\":");
        byte[] object = (events.get(1) + "\n" + broken + "\n" + events.get(2) + "\n").getBytes(StandardCharsets.UTF_8);
        List<ObjectRecord> records = records(testFormat(), write(dir, "q", object));

        assertThat(failures(records)).containsExactly(null, "not-json", null);
        assertThat(records.get(2).payload).isEqualTo(events.get(2).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void objectEndingInsideAValueIsTruncatedJson() throws Exception {
        List<String> events = FirehoseFixtures.events(6);
        List<byte[]> envelopes = FirehoseFixtures.envelopes(events);
        List<ObjectRecord> records = records(testFormat(), write(dir, "t", FirehoseFixtures.truncatedJson(events)));

        assertThat(payloads(records.subList(0, envelopes.size() - 1)))
                .containsExactlyElementsOf(envelopes.subList(0, envelopes.size() - 1));
        assertThat(failures(records)).hasSize(envelopes.size()).last().isEqualTo("truncated-json");
    }

    @Test
    void valueOverTheRecordLimitIsSkippedAndTheNextOneDelivered() throws Exception {
        String small = FirehoseFixtures.events(1).get(0);
        String big = FirehoseFixtures.oversizeEvent("big", 20_000);
        byte[] object = (small + big + "\n" + small).getBytes(StandardCharsets.UTF_8);
        FirehoseObjectFormat format = FirehoseObjectFormat.builder().maxRecordBytes(10_000).build();

        List<ObjectRecord> records = records(format, write(dir, "o", object));

        assertThat(failures(records)).containsExactly(null, "oversize", null);
        assertThat(records.get(1).payload).isEmpty();
        assertThat(records.get(1).offset).isEqualTo(small.length());
        assertThat(records.get(2).payload).isEqualTo(small.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anObjectNotFoundForTheWholeTimeoutIsOneUnreadableObject() throws Exception {
        AtomicInteger opens = new AtomicInteger();
        StorageRetryMetrics metrics = StorageRetryMetrics.unregistered();
        FirehoseObjectFormat format = FirehoseObjectFormat.builder()
                .initialBackoff(java.time.Duration.ofMillis(10))
                .maxBackoff(java.time.Duration.ofMillis(40))
                .missingObjectTimeout(java.time.Duration.ofMillis(300))
                .opener((p, position) -> {
                    opens.incrementAndGet();
                    return p.getFileSystem().open(p);
                })
                .build()
                .withMetrics(metrics);
        Path missing = new Path(dir.resolve("missing").toUri());

        long started = System.nanoTime();
        List<ObjectRecord> records = records(format, missing);

        assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(java.time.Duration.ofMillis(300));
        assertThat(opens.get()).isGreaterThan(2);
        assertThat(failures(records)).containsExactly("unreadable-object");
        assertThat(records.get(0).detail).startsWith("not found: (FileNotFoundException) for ")
                .contains("(input.missing-object-timeout 300 ms)").contains("0 records delivered before");
        assertThat(metrics.retries()).isEqualTo(opens.get());
        assertThat(metrics.objectsBlocked()).isZero();
    }

    @Test
    void anObjectThatIsNotFoundForAWhileAndThenAppearsIsReadWhole() throws Exception {
        List<String> events = FirehoseFixtures.events(20);
        byte[] object = FirehoseFixtures.object(Layout.EVENTS, events);
        AtomicInteger opens = new AtomicInteger();
        FirehoseObjectFormat format = FirehoseObjectFormat.builder()
                .initialBackoff(java.time.Duration.ofMillis(1))
                .missingObjectTimeout(java.time.Duration.ofMinutes(10))
                .opener((p, position) -> {
                    if (opens.incrementAndGet() <= 5) {
                        throw new java.io.FileNotFoundException("No such file or directory: " + p);
                    }
                    return new ByteArrayInputStream(object);
                })
                .build();

        List<ObjectRecord> records = records(format, write(dir, "o", object));

        assertThat(opens).hasValue(6);
        assertThat(failures(records)).containsOnlyNulls();
        assertThat(payloads(records)).containsExactlyElementsOf(bytes(events));
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void storageErrorsMidObjectResumeAtTheByteWithoutLosingOrRepeatingRecords(Layout layout) throws Exception {
        List<String> events = FirehoseFixtures.events(200);
        byte[] object = FirehoseFixtures.object(layout, events);
        // Twenty resets spread over the object, far more than any attempt limit: each one follows
        // progress, so none of them adds up to a dead letter.
        int cuts = 20;
        List<Long> openedAt = new ArrayList<>();
        FirehoseObjectFormat format = FirehoseObjectFormat.builder()
                .initialBackoff(java.time.Duration.ofMillis(1))
                .maxBackoff(java.time.Duration.ofMillis(5))
                .batchRecords(3)
                .opener((p, position) -> {
                    openedAt.add(position);
                    int attempt = openedAt.size();
                    long cutAt = attempt <= cuts ? (long) object.length * attempt / (cuts + 1) : object.length;
                    return slice(object, (int) position, (int) cutAt);
                })
                .build();

        List<ObjectRecord> records = records(format, write(dir, "o", object));

        assertThat(failures(records)).containsOnlyNulls();
        assertThat(payloads(records)).containsExactlyElementsOf(expectedValues(layout, events));
        // Every re-open starts at the byte the previous connection broke at: nothing is downloaded twice.
        List<Long> expectedStarts = new ArrayList<>();
        expectedStarts.add(0L);
        for (int attempt = 1; attempt <= cuts; attempt++) {
            expectedStarts.add((long) object.length * attempt / (cuts + 1));
        }
        assertThat(openedAt).containsExactlyElementsOf(expectedStarts);
    }

    @Test
    void aBodyEndingBeforeTheListedLengthIsResumedNotTakenAsTheEnd() throws Exception {
        List<String> events = FirehoseFixtures.events(50);
        byte[] object = FirehoseFixtures.object(Layout.EVENTS, events);
        List<Long> openedAt = new ArrayList<>();
        FirehoseObjectFormat format = FirehoseObjectFormat.builder()
                .initialBackoff(java.time.Duration.ofMillis(1))
                .opener((p, position) -> {
                    openedAt.add(position);
                    // The first body ends cleanly (EOF, no exception) half way: a silently cut connection.
                    return openedAt.size() == 1 ? new ByteArrayInputStream(object, 0, object.length / 2)
                            : slice(object, (int) position, object.length);
                })
                .build();

        List<ObjectRecord> records = records(format, write(dir, "o", object));

        assertThat(failures(records)).containsOnlyNulls();
        assertThat(payloads(records)).containsExactlyElementsOf(bytes(events));
        assertThat(openedAt).containsExactly(0L, (long) object.length / 2);
    }

    @Test
    void anObjectShorterThanListedEndsWhereAFreshOpenEndsInsteadOfBlocking() throws Exception {
        List<String> events = FirehoseFixtures.events(10);
        byte[] object = FirehoseFixtures.object(Layout.EVENTS, events);
        Path path = write(dir, "o", object);
        List<Long> openedAt = new ArrayList<>();
        // Listed with 100 bytes more than the store serves (rewritten shorter after the listing).
        FileSourceSplitShim split = new FileSourceSplitShim(path, object.length + 100L);
        FirehoseObjectFormat format = FirehoseObjectFormat.builder()
                .initialBackoff(java.time.Duration.ofMillis(1))
                .opener((p, position) -> {
                    openedAt.add(position);
                    return slice(object, (int) Math.min(position, object.length), object.length);
                })
                .build();

        List<ObjectRecord> records = split.read(format);

        assertThat(failures(records)).containsOnlyNulls();
        assertThat(payloads(records)).containsExactlyElementsOf(bytes(events));
        assertThat(openedAt).containsExactly(0L, (long) object.length);
    }

    /** A split whose listed length differs from the object's. */
    private record FileSourceSplitShim(Path path, long length) {
        List<ObjectRecord> read(FirehoseObjectFormat format) throws IOException {
            List<ObjectRecord> out = new ArrayList<>();
            org.apache.flink.connector.file.src.FileSourceSplit split =
                    new org.apache.flink.connector.file.src.FileSourceSplit("0", path, 0, length, 0, length);
            try (org.apache.flink.connector.file.src.reader.BulkFormat.Reader<ObjectRecord> reader =
                    format.createReader(new org.apache.flink.configuration.Configuration(), split)) {
                org.apache.flink.connector.file.src.reader.BulkFormat.RecordIterator<ObjectRecord> batch;
                while ((batch = reader.readBatch()) != null) {
                    RecordAndPosition<ObjectRecord> rp;
                    while ((rp = batch.next()) != null) {
                        out.add(rp.getRecord());
                    }
                    batch.releaseBatch();
                }
            }
            return out;
        }
    }

    @Test
    void aDeniedObjectBlocksItsReaderUntilAllowedThenIsReadWhole() throws Exception {
        List<String> events = FirehoseFixtures.events(30);
        byte[] object = FirehoseFixtures.object(Layout.EVENTS, events);
        StorageRetryMetrics metrics = StorageRetryMetrics.unregistered();
        List<Integer> blockedWhileDenied = new ArrayList<>();
        AtomicInteger opens = new AtomicInteger();
        FirehoseObjectFormat format = FirehoseObjectFormat.builder()
                .initialBackoff(java.time.Duration.ofMillis(1))
                .maxBackoff(java.time.Duration.ofMillis(10))
                .missingObjectTimeout(java.time.Duration.ofMillis(1))
                .opener((p, position) -> {
                    if (opens.incrementAndGet() <= 8) {
                        blockedWhileDenied.add(metrics.objectsBlocked());
                        throw new java.nio.file.AccessDeniedException(p.toString(), null, "Forbidden");
                    }
                    return new ByteArrayInputStream(object);
                })
                .build()
                .withMetrics(metrics);

        List<ObjectRecord> records = records(format, write(dir, "o", object));

        assertThat(failures(records)).containsOnlyNulls();
        assertThat(payloads(records)).containsExactlyElementsOf(bytes(events));
        // Blocked from the first denial on (the first open saw 0), never dead-lettered, even with a
        // missing-object timeout far shorter than the denial: that timeout is for 404 only.
        assertThat(blockedWhileDenied).containsExactly(0, 1, 1, 1, 1, 1, 1, 1);
        assertThat(metrics.retries()).isEqualTo(8);
        assertThat(metrics.objectsBlocked()).isZero();
    }

    @Test
    void aReaderWaitingOnADeniedObjectEndsWhenInterruptedAndIsNoLongerBlocked() throws Exception {
        StorageRetryMetrics metrics = StorageRetryMetrics.unregistered();
        FirehoseObjectFormat format = FirehoseObjectFormat.builder()
                .initialBackoff(java.time.Duration.ofSeconds(30))
                .opener((p, position) -> {
                    throw new java.nio.file.AccessDeniedException(p.toString(), null, "Forbidden");
                })
                .build()
                .withMetrics(metrics);
        Path path = write(dir, "o", FirehoseFixtures.object(Layout.EVENTS, FirehoseFixtures.events(3)));
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread fetcher = new Thread(() -> {
            try {
                records(format, path);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        fetcher.start();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (metrics.objectsBlocked() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(metrics.objectsBlocked()).isEqualTo(1);

        fetcher.interrupt();
        fetcher.join(10_000);

        assertThat(fetcher.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(java.io.InterruptedIOException.class);
        assertThat(metrics.objectsBlocked()).isZero();
    }

    @Test
    void aCorruptGzipMemberDeliversNothingFromIt() throws Exception {
        // One member holding many values (Firehose gzip over layout d), stored uncompressed so one
        // changed byte inside a string still inflates to valid JSON: only the CRC can tell.
        List<String> events = FirehoseFixtures.events(400);
        byte[] plain = FirehoseFixtures.object(Layout.EVENTS, events);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out) {
            {
                def.setLevel(java.util.zip.Deflater.NO_COMPRESSION);
            }
        }) {
            gz.write(plain);
        }
        byte[] object = out.toByteArray();
        assertThat(plain.length).isGreaterThan(4 * 64 * 1024);
        byte[] needle = "limit=500".getBytes(StandardCharsets.UTF_8);
        int at = indexOf(object, needle, 2_000);
        object[at] = 'L';

        List<ObjectRecord> records = records(testFormat(), write(dir, "c", object));

        assertThat(failures(records)).containsExactly("bad-gzip");
        assertThat(records.get(0).detail).contains("CRC");
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    /** Bytes {@code from} to {@code cut} of the object, then a connection reset (none if the cut is the end). */
    private static InputStream slice(byte[] object, int from, int cut) {
        return new InputStream() {
            private int pos = from;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= cut) {
                    if (cut >= object.length) {
                        return -1;
                    }
                    throw new java.net.SocketException("Connection reset");
                }
                int n = Math.min(len, cut - pos);
                System.arraycopy(object, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }



}
