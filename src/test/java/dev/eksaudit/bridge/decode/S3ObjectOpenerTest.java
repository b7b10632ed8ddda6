package dev.eksaudit.bridge.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import dev.eksaudit.bridge.source.FaultyS3Proxy;
import dev.eksaudit.bridge.source.InProcessS3;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The job's real opener reading through the S3 API (flink-s3-fs-hadoop, S3A, the in-process S3
 * server behind {@link FaultyS3Proxy}, which logs every request): each object is one GET and no
 * HEAD, a resume is a ranged GET from the byte the reader asks for, and a missing or denied
 * object, now noticed at the GET instead of a HEAD, ends exactly as before.
 */
class S3ObjectOpenerTest {
    private static final Pattern RANGED_GET = Pattern.compile("GET bytes=(\\d+)-(\\d+)");

    private InProcessS3 s3;
    private FaultyS3Proxy proxy;

    @BeforeEach
    void start() throws Exception {
        s3 = InProcessS3.start("audit");
        proxy = FaultyS3Proxy.start(s3);
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        s3.close();
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void eachObjectIsOneGetOfTheWholeObjectAndNoHead(Layout layout) throws Exception {
        List<String> uris = new ArrayList<>();
        List<List<String>> events = new ArrayList<>();
        List<byte[]> objects = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<String> e = FirehoseFixtures.events(30 + 10 * i);
            byte[] object = FirehoseFixtures.object(layout, e);
            uris.add(put("o-" + layout + "-" + i, object));
            events.add(e);
            objects.add(object);
        }

        for (int i = 0; i < uris.size(); i++) {
            List<ObjectRecord> records = read(DecodeHarness.testFormat(), uris.get(i), objects.get(i).length);

            assertThat(payloads(records)).containsExactlyElementsOf(expectedValues(layout, events.get(i)));
            assertThat(proxy.requests(uris.get(i))).as("requests for object %d", i)
                    .containsExactly("GET bytes=0-" + (objects.get(i).length - 1));
        }
    }

    /** What the reader did before: Flink's open, i.e. S3A's getFileStatus, a HEAD before the GET. */
    @Test
    void theOpenWithoutTheListedLengthSendsAHeadFirst() throws Exception {
        List<String> events = FirehoseFixtures.events(30);
        byte[] object = FirehoseFixtures.object(Layout.MULTI_MEMBER_GZIP, events);
        String uri = put("o", object);
        FirehoseObjectFormat headFirst = FirehoseObjectFormat.builder().initialBackoff(Duration.ZERO)
                .opener((p, position) -> FileSystemObjectOpener.openWithHead(p.getFileSystem(), p, position))
                .build();

        List<ObjectRecord> records = read(headFirst, uri, object.length);

        assertThat(payloads(records)).containsExactlyElementsOf(FirehoseFixtures.envelopes(events));
        assertThat(proxy.requests(uri)).containsExactly("HEAD", "GET bytes=0-" + (object.length - 1));
    }

    @Test
    void aResetMidBodyResumesWithARangedGetFromTheByteTheReaderAsksFor() throws Exception {
        // Uncompressed envelopes: the reset falls in the middle of the body the reader frames.
        List<String> events = FirehoseFixtures.events(600);
        byte[] object = FirehoseFixtures.object(Layout.ENVELOPES, events);
        String uri = put("large", object);
        long resetAt = object.length / 2;
        // More resets in a row than S3A's own read retries (fs.s3a.retry.limit 3): the reader's
        // StorageInputStream must re-open at the byte it got to.
        proxy.resetAt(uri, resetAt, 20);
        List<Long> opens = new CopyOnWriteArrayList<>();
        ObjectOpener real = ObjectOpener.flinkFileSystem();
        FirehoseObjectFormat format = FirehoseObjectFormat.builder()
                .initialBackoff(Duration.ofMillis(10)).maxBackoff(Duration.ofMillis(50))
                .opener(new ObjectOpener() {
                    @Override
                    public InputStream open(Path path, long position) {
                        throw new AssertionError("the reader passes the listed length");
                    }

                    @Override
                    public InputStream open(Path path, long position, long length) throws IOException {
                        opens.add(position);
                        return real.open(path, position, length);
                    }
                })
                .build();

        List<ObjectRecord> records = read(format, uri, object.length);

        assertThat(payloads(records)).containsExactlyElementsOf(FirehoseFixtures.envelopes(events));
        assertThat(proxy.resetCount()).isEqualTo(20);
        List<String> requests = proxy.requests(uri);
        assertThat(requests).as("no HEAD").allMatch(r -> r.startsWith("GET "));
        assertThat(requests.get(0)).isEqualTo("GET bytes=0-" + (object.length - 1));
        List<Long> starts = new ArrayList<>();
        for (String r : requests.subList(1, requests.size())) {
            Matcher m = RANGED_GET.matcher(r);
            assertThat(m.matches()).as(r).isTrue();
            assertThat(Long.parseLong(m.group(2))).as(r).isEqualTo(object.length - 1);
            starts.add(Long.parseLong(m.group(1)));
        }
        // Every GET after the first resumed inside the object, none from its start...
        assertThat(starts).as("resumed GETs of %s", requests).isNotEmpty().allMatch(s -> s > 0 && s <= resetAt);
        // ...and the reader's own re-opens (after S3A gave up) asked for exactly those bytes.
        assertThat(opens.get(0)).isZero();
        assertThat(opens.subList(1, opens.size())).isNotEmpty().allMatch(p -> p > 0 && p <= resetAt);
        assertThat(starts).containsAll(opens.subList(1, opens.size()));
        assertThat(proxy.bodyBytes(uri)).isLessThan(2L * object.length);
    }

    /** Without a HEAD, the 404 arrives with the GET: still "not found", still the same dead letter. */
    @Test
    void anObjectGoneBeforeItsGetIsNotFoundAndOneUnreadableObject() throws Exception {
        String uri = put("gone", FirehoseFixtures.object(Layout.EVENTS, FirehoseFixtures.events(5)));
        proxy.notFound(uri);
        FirehoseObjectFormat format = FirehoseObjectFormat.builder()
                .initialBackoff(Duration.ofMillis(10)).maxBackoff(Duration.ofMillis(40))
                .missingObjectTimeout(Duration.ofMillis(300))
                .build();

        List<ObjectRecord> records = read(format, uri, 1234);

        assertThat(records).hasSize(1);
        assertThat(records.get(0).failure).isEqualTo("unreadable-object");
        assertThat(records.get(0).detail).startsWith("not found: 404 NoSuchKey (FileNotFoundException) for ")
                .contains("(input.missing-object-timeout 300 ms)").contains("0 records delivered before");
        assertThat(proxy.requests(uri)).hasSizeGreaterThan(2).allMatch(r -> r.equals("GET bytes=0-1233"));
    }

    /** A 403 at the GET is a denial: retried, and a bounded job stops once it outlasts the limit. */
    @Test
    void aDeniedGetIsADenialThatStopsABoundedJob() throws Exception {
        byte[] object = FirehoseFixtures.object(Layout.EVENTS, FirehoseFixtures.events(5));
        String uri = put("denied", object);
        FaultyS3Proxy.Fault denied = proxy.deny(uri);
        FirehoseObjectFormat format = FirehoseObjectFormat.builder()
                .initialBackoff(Duration.ofMillis(10)).maxBackoff(Duration.ofMillis(40))
                .deniedLimit(Duration.ofMillis(300))
                .build();

        assertThatThrownBy(() -> read(format, uri, object.length))
                .isInstanceOf(SuppressRestartsException.class)
                .cause().hasMessageContaining("403 AccessDenied (AccessDeniedException)")
                .hasMessageContaining("input.denied-timeout 300 ms");
        assertThat(denied.answered()).isGreaterThan(2);
        assertThat(proxy.requests(uri, "HEAD")).isZero();
    }

    /** Stored straight into the server (an S3A PUT would add its own HEADs to the request log). */
    private String put(String name, byte[] object) {
        String key = "eks/2026/12/02/01/" + name;
        s3.putDirect("audit", key, object);
        return "s3://audit/" + key;
    }

    /** Reads the object as the job does, with the length the listing gave (no getFileStatus here). */
    private static List<ObjectRecord> read(FirehoseObjectFormat format, String uri, long length) throws IOException {
        FileSourceSplit split = new FileSourceSplit("0", new Path(uri), 0, length, 0, length);
        List<ObjectRecord> out = new ArrayList<>();
        try (BulkFormat.Reader<ObjectRecord> reader = format.createReader(new Configuration(), split)) {
            BulkFormat.RecordIterator<ObjectRecord> batch;
            while ((batch = reader.readBatch()) != null) {
                org.apache.flink.connector.file.src.util.RecordAndPosition<ObjectRecord> rp;
                while ((rp = batch.next()) != null) {
                    out.add(rp.getRecord());
                }
                batch.releaseBatch();
            }
        }
        return out;
    }

    private static List<byte[]> payloads(List<ObjectRecord> records) {
        assertThat(records).noneMatch(ObjectRecord::isFailure);
        return records.stream().map(r -> r.payload).toList();
    }

    private static List<byte[]> expectedValues(Layout layout, List<String> events) {
        return layout == Layout.EVENTS
                ? events.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList()
                : FirehoseFixtures.envelopes(events);
    }
}
