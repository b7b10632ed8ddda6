package dev.eksaudit.bridge.decode;

import static dev.eksaudit.bridge.decode.DecodeHarness.pipeline;
import static dev.eksaudit.bridge.decode.DecodeHarness.testFormat;
import static dev.eksaudit.bridge.decode.DecodeHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.eksaudit.bridge.decode.DecodeHarness.Decoded;
import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged objects over many seeds: reading and decoding never throw, always finish, and never
 * deliver an event that was not in the input.
 *
 * <p>Gzip layouts (a, b) take any damage: each member's CRC is checked before its bytes are framed.
 * The uncompressed layouts (c, d) carry no checksum, so a changed byte inside a string is simply a
 * different valid event; they get damage that cannot forge one (cuts, and garbage between values),
 * plus arbitrary damage checked for "never throws, always finishes" only.
 */
class CorruptionTest {
    private static final int SEEDS = 300;

    @TempDir
    java.nio.file.Path dir;

    @Test
    void damagedObjectsNeverThrowHangOrForgeEvents() {
        assertTimeoutPreemptively(Duration.ofSeconds(45), () -> {
            List<String> events = FirehoseFixtures.events(12);
            Set<ByteBuffer> input = new HashSet<>();
            for (String e : events) {
                input.add(ByteBuffer.wrap(e.getBytes(StandardCharsets.UTF_8)));
            }
            Layout[] layouts = Layout.values();
            int delivered = 0;
            int deadLetters = 0;
            for (int seed = 0; seed < SEEDS; seed++) {
                Random random = new Random(seed);
                Layout layout = layouts[seed % layouts.length];
                byte[] object = FirehoseFixtures.object(layout, events);
                boolean compressed = layout == Layout.MULTI_MEMBER_GZIP || layout == Layout.DOUBLE_GZIP;
                boolean arbitrary = compressed || random.nextInt(3) == 0;
                byte[] damaged = arbitrary ? damage(object, random) : cutOrPad(object, random);

                Decoded d = pipeline(testFormat(), write(dir, "o" + seed, damaged));

                delivered += d.events().size();
                deadLetters += d.deadLetters().size();
                if (compressed || !arbitrary) {
                    for (AuditEvent e : d.events()) {
                        assertThat(input).as("seed %d %s", seed, layout).contains(ByteBuffer.wrap(e.json));
                    }
                }
                assertThat(d.events().size() + d.deadLetters().size()).as("seed %d", seed).isPositive();
            }
            // The damage must leave some events whole and break others, or this test proves nothing.
            assertThat(delivered).isGreaterThan(SEEDS);
            assertThat(deadLetters).isGreaterThan(SEEDS / 2);
        });
    }

    /** Truncation, bit flips, or a spliced range of the object's own bytes. */
    private static byte[] damage(byte[] object, Random random) {
        byte[] out = object.clone();
        switch (random.nextInt(3)) {
            case 0:
                return Arrays.copyOf(out, random.nextInt(out.length));
            case 1:
                int flips = 1 + random.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
                }
                return out;
            default:
                int from = random.nextInt(out.length);
                int len = random.nextInt(Math.min(200, out.length - from) + 1);
                int at = random.nextInt(out.length);
                byte[] spliced = new byte[out.length + len];
                System.arraycopy(out, 0, spliced, 0, at);
                System.arraycopy(out, from, spliced, at, len);
                System.arraycopy(out, at, spliced, at + len, out.length - at);
                return spliced;
        }
    }

    /** Damage that cannot forge an event in plain JSON: a cut anywhere, or garbage after a value. */
    private static byte[] cutOrPad(byte[] object, Random random) {
        if (random.nextBoolean()) {
            return Arrays.copyOf(object, random.nextInt(object.length));
        }
        // After a closing brace followed by a newline, i.e. between two values.
        int at;
        int tries = 0;
        do {
            at = random.nextInt(object.length);
        } while (tries++ < 1000 && !(at > 0 && object[at - 1] == '\n' && object[at - 2] == '}'));
        byte[] garbage = new byte[1 + random.nextInt(50)];
        random.nextBytes(garbage);
        for (int i = 0; i < garbage.length; i++) {
            if (garbage[i] == '{') {
                garbage[i] = '#';
            }
        }
        return FirehoseFixtures.concat(Arrays.copyOf(object, at), garbage, Arrays.copyOfRange(object, at, object.length));
    }
}
