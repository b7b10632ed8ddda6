package dev.eksaudit.bridge.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The framer's eight-bytes-at-a-time test agrees with a byte-by-byte check. */
class JsonValueFramerSpecialTest {

    @Test
    void eachByteValueInEachPosition() {
        for (int pos = 0; pos < 8; pos++) {
            for (int b = 0; b < 256; b++) {
                long w = 0x4141414141414141L; // "AAAAAAAA"
                w &= ~(0xffL << (8 * pos));
                w |= (long) b << (8 * pos);
                assertThat(JsonValueFramer.special(w)).as("byte %02x at %d", b, pos).isEqualTo(naive(w));
            }
        }
    }

    @Test
    void randomWords() {
        Random random = new Random(11);
        for (int i = 0; i < 1_000_000; i++) {
            long w = random.nextLong();
            assertThat(JsonValueFramer.special(w)).isEqualTo(naive(w));
        }
    }

    /** The framer jumps to the lowest marked byte: it must be the first special one, never later or earlier. */
    @Test
    void lowestMarkIsTheFirstSpecialByte() {
        Random random = new Random(14);
        // Bytes around the edges: specials, their neighbours, and 0x01 / 0x21 / 0x23 / 0x5d (what a
        // borrow out of a special byte below turns into a false mark).
        int[] alphabet = {0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x41, 0x7f, 0x80, 0xc3, 0xff};
        for (int i = 0; i < 2_000_000; i++) {
            long w = 0;
            for (int k = 0; k < 8; k++) {
                int b = random.nextInt(4) == 0 ? random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
                w |= (long) b << (8 * k);
            }
            long m = JsonValueFramer.specialMask(w);
            int first = firstSpecial(w);
            if (first < 0) {
                assertThat(m).as("%016x", w).isZero();
            } else {
                assertThat(Long.numberOfTrailingZeros(m) >>> 3).as("%016x", w).isEqualTo(first);
            }
        }
    }

    private static int firstSpecial(long w) {
        for (int i = 0; i < 8; i++) {
            int b = (int) (w >>> (8 * i)) & 0xff;
            if (b == '"' || b == '\\' || b < 0x20) {
                return i;
            }
        }
        return -1;
    }

    private static boolean naive(long w) {
        for (int i = 0; i < 8; i++) {
            int b = (int) (w >>> (8 * i)) & 0xff;
            if (b == '"' || b == '\\' || b < 0x20) {
                return true;
            }
        }
        return false;
    }
}
