package dev.eksaudit.bridge.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/**
 * The one-Inflater member reader peels every input into exactly the bytes the commons-compress
 * reader it replaced did ({@link CommonsCompressGzipOracle}), and fails the same way (exception
 * type, reason, detail) after the same number of bytes: multi-member streams with every header
 * field, one to three layers, empty members, bytes flipped in headers, deflate data and trailers,
 * cuts anywhere, garbage after a member, storage errors at any byte, read in random sizes from a
 * source that answers in random sizes.
 */
class GzipMembersEquivalenceTest {
    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;
    private static final int[] VERIFY_LIMITS = {0, 64 * 1024, 100_000, 1 << 20};

    @Test
    void sameBytesAndSameFailureAsCommonsCompress() throws IOException {
        Random random = new Random(1952);
        int failures = 0;
        int[] layersSeen = new int[4];
        for (int i = 0; i < 6_000; i++) {
            long seed = random.nextLong();
            Case c = randomCase(new Random(seed));
            Outcome expected = run(new Random(seed + 1), c,
                    raw -> new CommonsCompressGzipOracle(raw, c.verifyLimit), in -> ((CommonsCompressGzipOracle) in).layers());
            Outcome actual = run(new Random(seed + 2), c,
                    raw -> new DecompressingInputStream(raw, c.verifyLimit), in -> ((DecompressingInputStream) in).layers());
            String as = "case " + i + " (seed " + seed + "): " + c;
            assertThat(actual.failure).as(as).isEqualTo(expected.failure);
            assertThat(actual.layers).as(as).isEqualTo(expected.layers);
            assertThat(actual.bytes.length).as(as + ": bytes handed out").isEqualTo(expected.bytes.length);
            assertThat(Arrays.equals(actual.bytes, expected.bytes)).as(as + ": same bytes").isTrue();
            if (expected.failure != null) {
                failures++;
            }
            layersSeen[Math.min(3, expected.layers)]++;
        }
        // The cases reach what they are meant to: failures of every kind, and every layer count.
        assertThat(failures).isBetween(1_500, 5_000);
        assertThat(Arrays.stream(layersSeen).min().getAsInt()).as(Arrays.toString(layersSeen)).isGreaterThan(300);
    }

    @Test
    void failuresOfEveryKindAreAmongTheCases() throws IOException {
        Random random = new Random(1952);
        java.util.Set<String> kinds = new java.util.TreeSet<>();
        for (int i = 0; i < 2_000; i++) {
            long seed = random.nextLong();
            Case c = randomCase(new Random(seed));
            Outcome o = run(new Random(seed + 2), c,
                    raw -> new DecompressingInputStream(raw, c.verifyLimit), in -> ((DecompressingInputStream) in).layers());
            if (o.failure != null) {
                kinds.add(o.failure.replaceAll("member \\d+", "member N").replaceAll("method \\d+", "method M"));
            }
        }
        assertThat(kinds).contains(
                "MalformedObjectException truncated-gzip gzip member N ends early (data)",
                "MalformedObjectException truncated-gzip gzip member N ends early (header)",
                "MalformedObjectException bad-gzip gzip member N does not inflate: Gzip-compressed data is corrupt",
                "MalformedObjectException bad-gzip gzip member N does not inflate: Gzip-compressed data is corrupt (CRC32 error)",
                "MalformedObjectException bad-gzip gzip member N does not inflate: Gzip-compressed data is corrupt(uncompressed size mismatch)",
                "MalformedObjectException bad-gzip gzip member N does not inflate: Reserved flags are set in the .gz header",
                "MalformedObjectException bad-gzip gzip member N does not inflate: Unsupported compression method M in the .gz header",
                "MalformedObjectException bad-gzip bytes after gzip member N are not gzip",
                "ObjectReadException null storage fails at byte");
    }

    // ---------------------------------------------------------------- cases

    private static final class Case {
        byte[] object;
        int verifyLimit;
        /** Raw answers at most this many bytes a read. */
        int rawChunk;
        /** Raw throws an ObjectReadException at this byte (-1: never). */
        int storageFailureAt = -1;
        String description;

        @Override
        public String toString() {
            return description + ", " + object.length + " bytes, verifyLimit " + verifyLimit + ", raw reads of up to "
                    + rawChunk + (storageFailureAt >= 0 ? ", storage fails at " + storageFailureAt : "");
        }
    }

    private static Case randomCase(Random r) {
        Case c = new Case();
        StringBuilder d = new StringBuilder();
        int layers = pick(r, 10, 45, 35, 10);
        byte[] body = content(r, d);
        for (int layer = 0; layer < layers; layer++) {
            boolean outer = layer > 0;
            body = outer ? splitIntoMembers(r, body, d) : members(r, body, d);
            if (r.nextInt(outer ? 5 : 3) == 0) {
                body = mutate(r, body, d);
            }
        }
        d.insert(0, layers + " layers: ");
        c.object = body;
        c.verifyLimit = VERIFY_LIMITS[r.nextInt(VERIFY_LIMITS.length)];
        c.rawChunk = r.nextBoolean() ? 1 + r.nextInt(20) : 1 + r.nextInt(200_000);
        if (r.nextInt(12) == 0) {
            c.storageFailureAt = r.nextInt(body.length + 1);
        }
        c.description = d.toString();
        return c;
    }

    /** What the innermost layer holds: JSON text (held back until its CRC) or arbitrary bytes. */
    private static byte[] content(Random r, StringBuilder d) {
        int size = r.nextInt(25) == 0 ? 60_000 + r.nextInt(250_000) : r.nextInt(6_000);
        byte[] out = new byte[size];
        if (r.nextInt(4) == 0) {
            r.nextBytes(out);
            d.append("binary ");
        } else {
            byte[] words = "{\"kind\":\"Event\",\"auditID\":\"a1b2\",\"verb\":\"get\"}\n".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < size; i++) {
                out[i] = r.nextInt(50) == 0 ? (byte) r.nextInt(256) : words[(i + i / 97) % words.length];
            }
        }
        return out;
    }

    /** The bytes cut at random points into members (some empty, some with every header field). */
    private static byte[] members(Random r, byte[] data, StringBuilder d) {
        int parts = r.nextInt(10) == 0 ? 1 : 1 + r.nextInt(40);
        return membersOf(r, data, parts, d);
    }

    /** An outer layer: few members, as Firehose's own gzip (usually one). */
    private static byte[] splitIntoMembers(Random r, byte[] data, StringBuilder d) {
        return membersOf(r, data, r.nextInt(3) == 0 ? 2 + r.nextInt(3) : 1, d);
    }

    private static byte[] membersOf(Random r, byte[] data, int parts, StringBuilder d) {
        int[] cuts = new int[parts + 1];
        cuts[parts] = data.length;
        for (int i = 1; i < parts; i++) {
            cuts[i] = data.length == 0 ? 0 : r.nextInt(data.length + 1);
        }
        Arrays.sort(cuts);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < parts; i++) {
            out.writeBytes(member(r, Arrays.copyOfRange(data, cuts[i], cuts[i + 1])));
            if (r.nextInt(30) == 0) {
                out.writeBytes(member(r, new byte[0]));
            }
        }
        d.append(parts).append(" members, ");
        return out.toByteArray();
    }

    /** One RFC 1952 member with random header fields, deflated at a random level. */
    static byte[] member(Random r, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int flags = 0;
        for (int flag : new int[] {FHCRC, FEXTRA, FNAME, FCOMMENT}) {
            if (r.nextInt(5) == 0) {
                flags |= flag;
            }
        }
        out.write(0x1f);
        out.write(0x8b);
        out.write(8);
        out.write(flags);
        for (int i = 0; i < 4; i++) {
            out.write(r.nextInt(256)); // MTIME
        }
        out.write(new int[] {0, 2, 4}[r.nextInt(3)]);
        out.write(r.nextInt(256)); // OS
        if ((flags & FEXTRA) != 0) {
            int xlen = r.nextInt(40) == 0 ? 70_000 : r.nextInt(300);
            out.write(xlen & 0xff);
            out.write(xlen >>> 8 & 0xff);
            byte[] extra = new byte[xlen & 0xffff];
            r.nextBytes(extra);
            out.writeBytes(extra);
        }
        for (int field : new int[] {FNAME, FCOMMENT}) {
            if ((flags & field) != 0) {
                int len = r.nextInt(40) == 0 ? 70_000 : r.nextInt(60);
                for (int i = 0; i < len; i++) {
                    out.write(1 + r.nextInt(255));
                }
                out.write(0);
            }
        }
        if ((flags & FHCRC) != 0) {
            out.write(r.nextInt(256));
            out.write(r.nextInt(256));
        }
        Deflater deflater = new Deflater(r.nextInt(10), true);
        deflater.setInput(data);
        deflater.finish();
        byte[] chunk = new byte[8192];
        while (!deflater.finished()) {
            out.write(chunk, 0, deflater.deflate(chunk));
        }
        deflater.end();
        CRC32 crc = new CRC32();
        crc.update(data);
        writeIntLe(out, crc.getValue());
        writeIntLe(out, data.length);
        return out.toByteArray();
    }

    private static void writeIntLe(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }

    /** Something a damaged upload or a bug would produce, aimed at header, data or trailer. */
    private static byte[] mutate(Random r, byte[] in, StringBuilder d) {
        byte[] out = in.clone();
        if (out.length == 0) {
            return out;
        }
        switch (r.nextInt(9)) {
            case 0: // a flipped bit anywhere
                out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
                d.append("bit flipped, ");
                return out;
            case 1: // near a member's start: header (CM, FLG with reserved bits, lengths)
            case 2: {
                int at = memberStart(r, out) + r.nextInt(12);
                if (at < out.length) {
                    out[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : out[at] ^ 0x20);
                }
                d.append("header byte changed, ");
                return out;
            }
            case 3: { // near a member's end: trailer (CRC32, ISIZE)
                int next = memberStart(r, out);
                int at = (next == 0 ? out.length : next) - 1 - r.nextInt(8);
                if (at >= 0) {
                    out[at] ^= (byte) (1 + r.nextInt(255));
                }
                d.append("trailer byte changed, ");
                return out;
            }
            case 4:
            case 5: // cut short anywhere
                d.append("cut, ");
                return Arrays.copyOf(out, r.nextInt(out.length));
            case 6: { // garbage, a lone magic byte or a bare magic after the last member
                byte[] tail;
                int kind = r.nextInt(3);
                if (kind == 0) {
                    tail = new byte[1 + r.nextInt(100)];
                    r.nextBytes(tail);
                } else {
                    tail = kind == 1 ? new byte[] {0x1f} : new byte[] {0x1f, (byte) 0x8b, 8};
                }
                d.append("garbage after, ");
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                o.writeBytes(out);
                o.writeBytes(tail);
                return o.toByteArray();
            }
            case 7: { // a member's compression method
                int at = memberStart(r, out) + 2;
                if (at < out.length) {
                    out[at] = (byte) r.nextInt(16);
                }
                d.append("method changed, ");
                return out;
            }
            default: { // bytes of a deflate stream
                int at = r.nextInt(out.length);
                for (int i = 0; i < 1 + r.nextInt(4) && at + i < out.length; i++) {
                    out[at + i] = (byte) r.nextInt(256);
                }
                d.append("bytes overwritten, ");
                return out;
            }
        }
    }

    /** A position where the magic stands (a member's start, mostly), or 0. */
    private static int memberStart(Random r, byte[] b) {
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i + 1 < b.length; i++) {
            if (b[i] == 0x1f && (b[i + 1] & 0xff) == 0x8b) {
                starts.add(i);
            }
        }
        return starts.isEmpty() ? 0 : starts.get(r.nextInt(starts.size()));
    }

    private static int pick(Random r, int... weights) {
        int n = r.nextInt(Arrays.stream(weights).sum());
        for (int i = 0; i < weights.length; i++) {
            n -= weights[i];
            if (n < 0) {
                return i;
            }
        }
        throw new AssertionError();
    }

    // ---------------------------------------------------------------- reading

    interface Opener {
        InputStream open(InputStream raw);
    }

    interface Layers {
        int of(InputStream in);
    }

    private static final class Outcome {
        final byte[] bytes;
        final String failure;
        final int layers;

        Outcome(byte[] bytes, String failure, int layers) {
            this.bytes = bytes;
            this.failure = failure;
            this.layers = layers;
        }
    }

    /** Reads until the end or the first failure, in random read sizes, single bytes now and then. */
    private static Outcome run(Random r, Case c, Opener opener, Layers layers) throws IOException {
        InputStream in = opener.open(raw(r, c));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String failure = null;
        byte[] b = new byte[200_000];
        try {
            while (true) {
                if (r.nextInt(20) == 0) {
                    int one = in.read();
                    if (one < 0) {
                        break;
                    }
                    out.write(one);
                    continue;
                }
                int len = r.nextBoolean() ? 1 + r.nextInt(64) : 1 + r.nextInt(b.length);
                int n = in.read(b, 0, len);
                if (n < 0) {
                    break;
                }
                out.write(b, 0, n);
            }
        } catch (MalformedObjectException e) {
            failure = "MalformedObjectException " + e.reason().code() + " " + e.getMessage();
        } catch (ObjectReadException e) {
            failure = "ObjectReadException " + e.getMessage() + " " + e.getCause().getMessage();
        } finally {
            in.close();
        }
        return new Outcome(out.toByteArray(), failure, layers.of(in));
    }

    /** The object as storage hands it out: in random sizes, failing at a byte if the case says so. */
    private static InputStream raw(Random r, Case c) {
        return new InputStream() {
            private int pos;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos == c.storageFailureAt) {
                    throw new ObjectReadException(null, new IOException("storage fails at byte"));
                }
                if (pos >= c.object.length) {
                    return -1;
                }
                int limit = c.storageFailureAt > pos ? c.storageFailureAt : c.object.length;
                int n = Math.min(Math.min(len, limit - pos), 1 + r.nextInt(c.rawChunk));
                System.arraycopy(c.object, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    // ---------------------------------------------------------------- one Inflater per layer

    @Test
    void oneInflaterPerLayerForAnObjectOfManyMembersEndedOnClose() throws IOException {
        List<byte[]> envelopes = FirehoseFixtures.envelopes(FirehoseFixtures.events(3_000));
        assertThat(envelopes).hasSizeGreaterThan(900);
        byte[] layoutA = FirehoseFixtures.gzipMembers(envelopes);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        envelopes.forEach(all::writeBytes);

        for (int layers = 1; layers <= 2; layers++) {
            byte[] object = layers == 1 ? layoutA : FirehoseFixtures.gzip(layoutA);
            List<CountingInflater> created = new ArrayList<>();
            DecompressingInputStream in = new DecompressingInputStream(new ByteArrayInputStream(object), 0, () -> {
                CountingInflater inflater = new CountingInflater();
                created.add(inflater);
                return inflater;
            });
            assertThat(in.readAllBytes()).isEqualTo(all.toByteArray());
            assertThat(in.layers()).isEqualTo(layers);
            assertThat(created).hasSize(layers).noneMatch(inflater -> inflater.ended);
            // The inner layer's Inflater was reset once per member, not replaced.
            assertThat(created.get(layers - 1).resets).isEqualTo(envelopes.size());
            in.close();
            assertThat(created).allMatch(inflater -> inflater.ended);
        }
    }

    private static final class CountingInflater extends Inflater {
        boolean ended;
        int resets;

        CountingInflater() {
            super(true);
        }

        @Override
        public void reset() {
            resets++;
            super.reset();
        }

        @Override
        public void end() {
            ended = true;
            super.end();
        }
    }
}
