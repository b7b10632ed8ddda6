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
