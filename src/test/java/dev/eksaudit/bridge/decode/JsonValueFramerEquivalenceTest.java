package dev.eksaudit.bridge.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The framer, whose in-string scan resolves escapes eight bytes at a time, cuts every input into
 * exactly the items (offset, reason, detail, bytes) the byte-by-byte framer did, wherever reads
 * end (the scan stops short of a buffer's end) and with backslash runs, escaped quotes and
 * control characters at every position of a word.
 */
class JsonValueFramerEquivalenceTest {

    private static final String[] PIECES = {
        "\\\"", "\\\\", "\\\\\\\"", "\\\\\\\\", "\\n", "\\u0041", "\"", "\\", "{", "}", "[", "]", ":", ",", " ",
        "\n", "\t", "\u0001", "\u001f", "a", "abcdefgh", "kind", "\u00e9", "#", "]", "0123456789abcdef",
    };

    @Test
    void sameItemsAsByteByByte() throws IOException {
        Random random = new Random(14);
        for (int i = 0; i < 30_000; i++) {
            byte[] input = randomInput(random);
            int chunk = 1 + random.nextInt(random.nextBoolean() ? 16 : 100_000);
            long limit = random.nextInt(8) == 0 ? 1 + random.nextInt(200) : Long.MAX_VALUE;
            assertThat(items(new JsonValueFramer(chunked(input, chunk, random), limit)))
                    .as("input %s, reads of up to %d, limit %d", new String(input, StandardCharsets.UTF_8), chunk, limit)
                    .isEqualTo(reference(new ByteByByteFramer(new ByteArrayInputStream(input), limit)));
        }
    }

    /** Values like a Firehose object's: envelopes with escaped JSON in a string, bare events, and noise. */
    private static byte[] randomInput(Random random) {
        StringBuilder sb = new StringBuilder();
        int values = 1 + random.nextInt(4);
        for (int v = 0; v < values; v++) {
            if (random.nextInt(10) == 0) {
                sb.append("garbage ");
            }
            sb.append("{\"a\":\"");
            int pieces = random.nextInt(80);
            for (int k = 0; k < pieces; k++) {
                // Mostly the escaped JSON of a message, sometimes anything.
                sb.append(random.nextInt(3) == 0 ? PIECES[random.nextInt(PIECES.length)]
                        : random.nextBoolean() ? "\\\"" : "abcdefghijk".substring(random.nextInt(11)));
            }
            if (random.nextInt(6) != 0) {
                sb.append("\"}");
            }
            sb.append(random.nextBoolean() ? "\n" : "");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static InputStream chunked(byte[] input, int chunk, Random random) {
        return new ByteArrayInputStream(input) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + random.nextInt(chunk)));
            }
        };
    }

    private static List<String> items(JsonValueFramer framer) throws IOException {
        List<String> out = new ArrayList<>();
        FramedValue v;
        while ((v = framer.next()) != null) {
            out.add(describe(v));
        }
        return out;
    }

    private static List<String> reference(ByteByByteFramer framer) throws IOException {
        List<String> out = new ArrayList<>();
        FramedValue v;
        while ((v = framer.next()) != null) {
            out.add(describe(v));
        }
        return out;
    }

    private static String describe(FramedValue v) {
        return v.offset + " " + v.failure + " " + v.detail + " " + new String(v.bytes, StandardCharsets.ISO_8859_1);
    }

    @Test
    void exactMasksMarkEachMatchingByteOnly() {
        Random random = new Random(7);
        int[] alphabet = {0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x41, 0x7f, 0x80, 0xa2, 0xdc, 0xff};
        for (int i = 0; i < 1_000_000; i++) {
            long w = 0;
            for (int k = 0; k < 8; k++) {
                int b = random.nextInt(4) == 0 ? random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
                w |= (long) b << (8 * k);
            }
            long quotes = 0;
            long backslashes = 0;
            long controls = 0;
            for (int k = 0; k < 8; k++) {
                int b = (int) (w >>> (8 * k)) & 0xff;
                long high = 0x80L << (8 * k);
                quotes |= b == '"' ? high : 0;
                backslashes |= b == '\\' ? high : 0;
                controls |= b < 0x20 ? high : 0;
            }
            assertThat(JsonValueFramer.equalBytes(w, 0x2222222222222222L)).as("%016x", w).isEqualTo(quotes);
            assertThat(JsonValueFramer.equalBytes(w, 0x5c5c5c5c5c5c5c5cL)).as("%016x", w).isEqualTo(backslashes);
            assertThat(JsonValueFramer.controlBytes(w)).as("%016x", w).isEqualTo(controls);
        }
    }
}
