package dev.eksaudit.bridge.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SeenStagesTableTest {

    private static final long TTL = 1_000;

    /** What the table must answer: the stages per auditID and when they were last written. */
    private static final class Model {
        final Map<String, long[]> entries = new HashMap<>(); // {expiry, stages}

        boolean add(String id, int bit, long now) {
            long[] e = entries.get(id);
            int seen = e == null || e[0] <= now ? 0 : (int) e[1];
            if ((seen & bit) != 0) {
                return false;
            }
            entries.put(id, new long[] {now + TTL, seen | bit});
            return true;
        }

        long live(long now) {
            return entries.values().stream().filter(e -> e[0] > now).count();
        }
    }

    /**
     * Random adds over a moving clock, with repeats, new stages, expiries, growth and shrinking; a
     * chunk of the changes taken now and then (a checkpoint), chunks dropped once all they hold has
     * expired, and now and then a table rebuilt from the live chunks (a restore): every answer
     * equals the model's.
     */
    @Test
    void answersAsTheModelDoesThroughGrowthSweepsCheckpointsAndRestores() {
        Random random = new Random(42);
        List<String> pool = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            pool.add(i % 50 == 0 ? "client-id-" + i : new UUID(random.nextLong(), random.nextLong()).toString());
        }
        SeenStagesTable table = new SeenStagesTable();
        List<byte[]> chunks = new ArrayList<>();
        Model model = new Model();
        long now = 1;
        int repeats = 0;
        int restores = 0;
        for (int step = 0; step < 400_000; step++) {
            // Bursts of new IDs, then quiet phases with few: the table grows and shrinks.
            int window = (step / 50_000) % 2 == 0 ? pool.size() : 200;
            String id = pool.get(random.nextInt(window));
            int bit = 1 << random.nextInt(4);
            boolean expected = model.add(id, bit, now);
            assertThat(table.add(id, bit, now, TTL)).as("step %d", step).isEqualTo(expected);
            repeats += expected ? 0 : 1;
            if (random.nextInt(4) == 0) {
                now += random.nextInt(3);
            }
            if (step % 3_000 == 2_999) {
                long at = now;
                if (table.hasChanges()) {
                    chunks.add(table.takeChanges(7));
                }
                chunks.removeIf(c -> SeenStagesTable.latestExpiryOf(c) <= at);
                assertThat(table.hasChanges()).isFalse();
                if (step % 39_000 == 38_999) {
                    SeenStagesTable restored = new SeenStagesTable();
                    for (byte[] chunk : chunks) {
                        assertThat(SeenStagesTable.keyGroupOf(chunk)).isEqualTo(7);
                        restored.addAll(chunk, now);
                    }
                    assertThat(restored.size()).isEqualTo(model.live(now));
                    table = restored;
                    restores++;
                }
            }
            if (step % 50_000 == 49_999 && window < pool.size()) {
                // After a quiet phase the expired entries of the burst before it are gone (the sweep
                // runs on every add, repeats too), and the table has shrunk with them.
                assertThat((long) table.size()).as("step %d", step).isLessThanOrEqualTo(2L * window + 32);
            }
        }
        assertThat(repeats).isGreaterThan(10_000);
        assertThat(restores).isEqualTo(10);
    }

    @Test
    void aChunkHoldsWhatChangedSinceTheLastOne() {
        SeenStagesTable table = new SeenStagesTable();
        table.add(new UUID(1, 2).toString(), 1, 100, TTL);
        table.add("x", 2, 100, TTL);
        byte[] first = table.takeChanges(3);
        table.add(new UUID(1, 2).toString(), 1, 200, TTL); // a repeat: no change
        table.add(new UUID(3, 4).toString(), 1, 600, TTL);
        table.add("y", 2, 600, TTL);
        byte[] second = table.takeChanges(3);
        // Header (format, key group, latest expiry, count), one UUID entry, the count of others, one other ("y").
        assertThat(second).hasSize(20 + 24 + 4 + 4 + 1 + 8);
        assertThat(SeenStagesTable.latestExpiryOf(first)).isEqualTo(1_100);
        assertThat(SeenStagesTable.latestExpiryOf(second)).isEqualTo(1_600);
        SeenStagesTable restored = new SeenStagesTable();
        restored.addAll(first, 1_100); // everything in it expired at 1,100: nothing taken
        restored.addAll(second, 1_100);
        assertThat(restored.size()).isEqualTo(2);
        assertThat(restored.add(new UUID(3, 4).toString(), 1, 1_100, TTL)).isFalse();
        assertThat(restored.add("y", 2, 1_100, TTL)).isFalse();
        assertThat(restored.add(new UUID(1, 2).toString(), 1, 1_100, TTL)).isTrue();
        assertThat(restored.add("x", 2, 1_100, TTL)).isTrue();
    }

    @Test
    void twoVersionsOfAnEntryMergeToItsStagesAndItsLaterExpiry() {
        String id = new UUID(5, 6).toString();
        SeenStagesTable table = new SeenStagesTable();
        table.add(id, 1, 100, TTL);
        byte[] a = table.takeChanges(0);
        table.add(id, 2, 500, TTL);
        byte[] b = table.takeChanges(0);
        SeenStagesTable merged = new SeenStagesTable();
        merged.addAll(b, 0);
        merged.addAll(a, 0);
        assertThat(merged.add(id, 1, 1_200, TTL)).isFalse(); // expiry 1,500 from b
        assertThat(merged.add(id, 2, 1_200, TTL)).isFalse();
        assertThat(merged.add(id, 4, 1_200, TTL)).isTrue();
    }

    @Test
    void aFormatThisVersionDoesNotKnowFailsTheRestoreWithAReason() {
        byte[] future = ByteBuffer.allocate(16).putInt(SeenStagesTable.FORMAT + 1).putInt(0).array();
        assertThatThrownBy(() -> SeenStagesTable.keyGroupOf(future))
                .hasMessageContaining("chunk format 2 is newer than this version reads (1)");
    }

    @Test
    void onlyLowercaseCanonicalUuidsTakeTheCompactForm() {
        assertThat(SeenStagesTable.isLowercaseUuid("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")).isTrue();
        assertThat(SeenStagesTable.isLowercaseUuid("0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D")).isFalse();
        assertThat(SeenStagesTable.isLowercaseUuid("0a1b2c3d4e5f-4a6b-8c7d-9e0f1a2b3c4d-")).isFalse();
        assertThat(SeenStagesTable.isLowercaseUuid("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4")).isFalse();
        assertThat(SeenStagesTable.isLowercaseUuid("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g")).isFalse();
    }
}
