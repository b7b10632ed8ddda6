package dev.eksaudit.bridge.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A message's bytes taken straight from the parser's chars are exactly {@code String.getBytes(UTF_8)}'s. */
class MessageBytesTest {

    @Test
    void sameBytesAsTheStringWouldGive() {
        Random random = new Random(14);
        char[] pool = {'a', '{', '"', '\\', '\n', 0x7f, 0x80, 0xe9, 0x20ac, 0xd83d, 0xde00, 0xdbff, 0xffff, 0};
        for (int i = 0; i < 200_000; i++) {
            char[] chars = new char[2 + random.nextInt(40)];
            for (int k = 0; k < chars.length; k++) {
                chars[k] = random.nextInt(3) == 0 ? pool[random.nextInt(pool.length)] : (char) ('a' + random.nextInt(26));
            }
            int offset = random.nextInt(2);
            int length = random.nextInt(chars.length - offset + 1);
            assertThat(EnvelopeReader.utf8(chars, offset, length))
                    .isEqualTo(new String(chars, offset, length).getBytes(StandardCharsets.UTF_8));
        }
    }
}
