package dev.eksaudit.bridge.dedup;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The stages seen per auditID for one key group, each remembered until its expiry: an open
 * addressing table of primitive arrays (an auditID in the API server's form, a lowercase UUID, as
 * two longs; any other auditID, which a client may choose through the {@code Audit-ID} header, as
 * its exact string in a side map): 24 bytes per slot at a load of 0.35-0.7, where Flink's heap state
 * took ~160 bytes per entry. What changed since the last checkpoint is handed out as a chunk of 24
 * bytes per entry, so a checkpoint writes each entry once, not a serializer call per field of every
 * entry.
 *
 * <p>An entry lives until {@code ttl} after the last new stage written to it, as Flink's state TTL
 * with {@code OnCreateAndWrite} did; a repeat does not extend it. Expired entries count as absent
 * and are swept a few slots per add, dropped when the table grows or shrinks and not written to
 * checkpoints.
 */
final class SeenStagesTable {
    static final int FORMAT = 1;
    /** Format, key group, latest expiry, count of UUID entries. */
    private static final int HEADER = 20;
    private static final int MIN_CAPACITY = 16;
    private static final int SWEEP_PER_ADD = 2;
    // Big-endian views of a byte[]: compiled to plain loads and stores (a ByteBuffer per entry was
    // half of a checkpoint's CPU).
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    // meta = expiry (ms) << 4 | stage bits; 0 marks a free slot (expiry is always > 0).
    private long[] hi;
    private long[] lo;
    private long[] meta;
    private int mask;
    private int size;
    private int sweep;
    // Not persisted: a table's layout cannot be predicted from outside, so crafted auditIDs cannot pile up in one run.
    private final long seed = ThreadLocalRandom.current().nextLong();
    private final Map<String, Long> other = new LinkedHashMap<>();
    // What changed since the last checkpoint, in the order it changed: the next checkpoint's chunk.
    private long[] changed = new long[3 * MIN_CAPACITY];
    private int changes;
    private final Map<String, Long> otherChanged = new LinkedHashMap<>();

    SeenStagesTable() {
        allocate(MIN_CAPACITY);
    }

    /** Entries held, expired ones not yet swept included. */
    int size() {
        return size + other.size();
    }

    /**
     * Records {@code stageBit} for {@code auditId} at {@code now}: true if it is new (the entry then
     * lives until {@code now + ttl}), false if this stage was already seen and has not expired.
     */
    boolean add(String auditId, int stageBit, long now, long ttl) {
        if (!isLowercaseUuid(auditId)) {
            return addOther(auditId, stageBit, now, ttl);
        }
        long h = uuidHalf(auditId, 0);
        long l = uuidHalf(auditId, 19);
        int i = slot(h, l);
        while (meta[i] != 0) {
            if (hi[i] == h && lo[i] == l) {
                int seen = expiry(meta[i]) <= now ? 0 : (int) (meta[i] & 0xf);
                if ((seen & stageBit) != 0) {
                    sweep(now);
                    return false;
                }
                meta[i] = packed(now + ttl, seen | stageBit);
                changed(h, l, meta[i]);
                sweep(now);
                return true;
            }
            i = (i + 1) & mask;
        }
        hi[i] = h;
        lo[i] = l;
        meta[i] = packed(now + ttl, stageBit);
        changed(h, l, meta[i]);
        size++;
        if (size > (mask + 1) * 7L / 10) {
            rehash(now);
        } else {
            sweep(now);
        }
        return true;
    }

    private void changed(long h, long l, long m) {
        if (3 * changes == changed.length) {
            changed = java.util.Arrays.copyOf(changed, 2 * changed.length);
        }
        changed[3 * changes] = h;
        changed[3 * changes + 1] = l;
        changed[3 * changes + 2] = m;
        changes++;
    }

    /** The other auditIDs, in the order of their last write, so the oldest expire first. */
    private boolean addOther(String auditId, int stageBit, long now, long ttl) {
        Long m = other.get(auditId);
        int seen = m == null || expiry(m) <= now ? 0 : (int) (m & 0xf);
        if ((seen & stageBit) == 0) {
            other.remove(auditId);
            other.put(auditId, packed(now + ttl, seen | stageBit));
            otherChanged.put(auditId, packed(now + ttl, seen | stageBit));
        }
        Iterator<Long> oldest = other.values().iterator();
        for (int k = 0; k < SWEEP_PER_ADD && oldest.hasNext(); k++) {
            if (expiry(oldest.next()) > now) {
                break;
            }
            oldest.remove();
        }
        return (seen & stageBit) == 0;
    }

    /** Visits a few slots from the sweep cursor and removes what has expired (on every add, repeats too). */
    private void sweep(long now) {
        for (int k = 0; k < SWEEP_PER_ADD; k++) {
            int i = sweep;
            if (meta[i] != 0 && expiry(meta[i]) <= now) {
                removeAt(i); // an entry may have moved into slot i: look at it again next time
            } else {
                sweep = (i + 1) & mask;
                if (sweep == 0 && size < (mask + 1) / 8 && mask + 1 > MIN_CAPACITY) {
                    rehash(now);
                    return;
                }
            }
        }
    }

    /** Backward-shift deletion, so lookups never need tombstones. */
    private void removeAt(int free) {
        int j = free;
        while (true) {
            j = (j + 1) & mask;
            if (meta[j] == 0) {
                break;
            }
            int home = slot(hi[j], lo[j]);
            boolean staysPut = free <= j ? free < home && home <= j : free < home || home <= j;
            if (!staysPut) {
                hi[free] = hi[j];
                lo[free] = lo[j];
                meta[free] = meta[j];
                free = j;
            }
        }
        meta[free] = 0;
        size--;
    }

    /** Rebuilds at twice the live entries' size (at least), without the expired ones. */
    private void rehash(long now) {
        int live = 0;
        for (long m : meta) {
            if (m != 0 && expiry(m) > now) {
                live++;
            }
        }
        rebuild(capacityFor(live), now);
        other.values().removeIf(m -> expiry(m) <= now);
    }

    /** Moves the entries that expire after {@code now} into tables of {@code capacity} slots. */
    private void rebuild(int capacity, long now) {
        long[] oldHi = hi;
        long[] oldLo = lo;
        long[] oldMeta = meta;
        allocate(capacity);
        for (int i = 0; i < oldMeta.length; i++) {
            if (oldMeta[i] != 0 && expiry(oldMeta[i]) > now) {
                put(oldHi[i], oldLo[i], oldMeta[i]);
            }
        }
    }

    /** Adds an entry read back from a checkpoint, merging with one already there. */
    private void put(long h, long l, long m) {
        int i = slot(h, l);
        while (meta[i] != 0) {
            if (hi[i] == h && lo[i] == l) {
                meta[i] = packed(Math.max(expiry(meta[i]), expiry(m)), (int) ((meta[i] | m) & 0xf));
                return;
            }
            i = (i + 1) & mask;
        }
        hi[i] = h;
        lo[i] = l;
        meta[i] = m;
        size++;
    }

    private static int capacityFor(int entries) {
        int capacity = MIN_CAPACITY;
        while (capacity < entries * 2L) {
            capacity <<= 1;
        }
        return capacity;
    }

    private void allocate(int capacity) {
        hi = new long[capacity];
        lo = new long[capacity];
        meta = new long[capacity];
        mask = capacity - 1;
        size = 0;
        sweep = 0;
    }

    private int slot(long h, long l) {
        long x = h * 0x9E3779B97F4A7C15L + l + seed;
        x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
        x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return (int) (x ^ (x >>> 33)) & mask;
    }

    boolean hasChanges() {
        return changes > 0 || !otherChanged.isEmpty();
    }

    /**
     * The entries written since the last call, as a chunk for the checkpoint: format, key group,
     * the latest expiry in it (the chunk can be dropped after that), the UUID entries as (hi, lo,
     * meta), the other auditIDs as (length, UTF-8, meta); big-endian. An entry written twice is in
     * it twice; reading keeps the union of the stages and the later expiry.
     */
    byte[] takeChanges(int keyGroup) {
        long latest = 0;
        int stringBytes = 0;
        byte[][] encoded = new byte[otherChanged.size()][];
        int s = 0;
        for (Map.Entry<String, Long> e : otherChanged.entrySet()) {
            encoded[s] = e.getKey().getBytes(StandardCharsets.UTF_8);
            stringBytes += 4 + encoded[s].length + 8;
            latest = Math.max(latest, expiry(e.getValue()));
            s++;
        }
        byte[] out = new byte[HEADER + 4 + changes * 24 + stringBytes];
        INT.set(out, 0, FORMAT);
        INT.set(out, 4, keyGroup);
        INT.set(out, 16, changes);
        int p = HEADER;
        for (int k = 0; k < 3 * changes; k += 3, p += 24) {
            LONG.set(out, p, changed[k]);
            LONG.set(out, p + 8, changed[k + 1]);
            LONG.set(out, p + 16, changed[k + 2]);
            latest = Math.max(latest, expiry(changed[k + 2]));
        }
        LONG.set(out, 8, latest);
        INT.set(out, p, otherChanged.size());
        p += 4;
        s = 0;
        for (Map.Entry<String, Long> e : otherChanged.entrySet()) {
            INT.set(out, p, encoded[s].length);
            System.arraycopy(encoded[s], 0, out, p + 4, encoded[s].length);
            LONG.set(out, p + 4 + encoded[s].length, e.getValue());
            p += 4 + encoded[s].length + 8;
            s++;
        }
        changes = 0;
        otherChanged.clear();
        if (changed.length > 3 * 1024) {
            // Grown for one interval's changes; regrowing is cheaper than holding it between checkpoints.
            changed = new long[3 * MIN_CAPACITY];
        }
        return out;
    }

    /** The key group a checkpointed chunk belongs to; fails on a format this version does not read. */
    static int keyGroupOf(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int format = in.getInt();
        if (format != FORMAT) {
            throw new IllegalStateException("dedup state: chunk format " + format + " is newer than this version reads ("
                    + FORMAT + "); restore with the version that wrote it");
        }
        return in.getInt();
    }

    /** The latest expiry of a chunk's entries: after it the chunk holds nothing live. */
    static long latestExpiryOf(byte[] bytes) {
        keyGroupOf(bytes);
        return (long) LONG.get(bytes, 8);
    }

    /** Adds the entries of a chunk written by {@link #takeChanges} that have not expired at {@code now}. */
    void addAll(byte[] bytes, long now) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        keyGroupOf(bytes);
        int uuids = (int) INT.get(bytes, 16);
        if ((size + uuids) > (mask + 1) * 7L / 10) {
            rebuild(capacityFor(size + uuids), now);
        }
        // Skipping what has expired keeps the union of stages right: an entry that expired and was
        // written anew has its old version expired too, while versions that are all live only grew.
        int p = HEADER;
        for (int k = 0; k < uuids; k++, p += 24) {
            long m = (long) LONG.get(bytes, p + 16);
            if (expiry(m) > now) {
                put((long) LONG.get(bytes, p), (long) LONG.get(bytes, p + 8), m);
            }
        }
        in.position(p);
        int strings = in.getInt();
        for (int k = 0; k < strings; k++) {
            byte[] key = new byte[in.getInt()];
            in.get(key);
            long m = in.getLong();
            if (expiry(m) > now) {
                other.merge(new String(key, StandardCharsets.UTF_8), m,
                        (x, y) -> packed(Math.max(expiry(x), expiry(y)), (int) ((x | y) & 0xf)));
            }
        }
    }

    private static long packed(long expiry, int stages) {
        return expiry << 4 | stages;
    }

    private static long expiry(long meta) {
        return meta >>> 4;
    }

    /** The API server's auditIDs: 8-4-4-4-12 lowercase hex. Anything else is kept as its exact string. */
    static boolean isLowercaseUuid(String s) {
        if (s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    return false;
                }
            } else if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** The 64 bits of 16 hex digits starting at {@code from} (0: the first three groups; 19: the last two). */
    private static long uuidHalf(String s, int from) {
        long v = 0;
        for (int i = from, digits = 0; digits < 16; i++) {
            char c = s.charAt(i);
            if (c != '-') {
                v = v << 4 | (c <= '9' ? c - '0' : c - 'a' + 10);
                digits++;
            }
        }
        return v;
    }
}
