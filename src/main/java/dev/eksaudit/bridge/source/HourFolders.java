package dev.eksaudit.bridge.source;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import org.apache.flink.core.fs.Path;

/**
 * Firehose's default S3 layout: {@code <prefix>YYYY/MM/dd/HH/<object>}, hours in UTC. An hour is
 * carried around as its number since the epoch ({@code epochSecond / 3600}), which sorts the same
 * way as the folders and makes "every hour folder from A to B" a plain loop: hour folder paths are
 * computed from the clock, never found by listing day or month folders.
 */
public final class HourFolders {

    /** The "hour" of an object outside the hourly layout ({@code input.partitioning none}). */
    public static final long NO_HOUR = Long.MIN_VALUE;

    private static final long SECONDS_PER_HOUR = 3600;

    private HourFolders() {}

    /** The hour an instant falls in (its folder's hour). */
    public static long hourOf(Instant instant) {
        return Math.floorDiv(instant.getEpochSecond(), SECONDS_PER_HOUR);
    }

    /** The first instant of an hour. */
    public static Instant startOf(long hour) {
        return Instant.ofEpochSecond(hour * SECONDS_PER_HOUR);
    }

    /** {@code YYYY/MM/dd/HH} of an hour, as Firehose names the folder. */
    public static String name(long hour) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(hour * SECONDS_PER_HOUR, 0, ZoneOffset.UTC);
        return String.format(Locale.ROOT, "%04d/%02d/%02d/%02d",
                t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour());
    }

    /** The folder of an hour under the root ({@code input.path}). */
    public static Path folder(Path root, long hour) {
        return new Path(root, name(hour));
    }

    /**
     * The hour of an object from its four parent folders ({@code .../YYYY/MM/dd/HH/name}), or
     * {@link #NO_HOUR} if they do not look like an hour folder. Used to hand out objects oldest
     * first; it does not need to know the root.
     */
    public static long hourOfObject(Path object) {
        Path hh = object.getParent();
        Path dd = hh == null ? null : hh.getParent();
        Path mm = dd == null ? null : dd.getParent();
        Path yyyy = mm == null ? null : mm.getParent();
        if (yyyy == null) {
            return NO_HOUR;
        }
        int year = digits(yyyy.getName(), 4);
        int month = digits(mm.getName(), 2);
        int day = digits(dd.getName(), 2);
        int hour = digits(hh.getName(), 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) {
            return NO_HOUR;
        }
        try {
            return hourOf(LocalDateTime.of(year, month, day, hour, 0).toInstant(ZoneOffset.UTC));
        } catch (java.time.DateTimeException e) {
            return NO_HOUR; // e.g. 2026/02/31
        }
    }

    /** The object's path below the root, e.g. {@code a/b.gz}; the full path if it is not below it. */
    public static String relativize(Path root, Path object) {
        String base = root.toUri().getPath();
        if (!base.endsWith("/")) {
            base = base + "/";
        }
        String path = object.toUri().getPath();
        return path.startsWith(base) ? path.substring(base.length()) : object.toString();
    }

    private static int digits(String s, int length) {
        if (s.length() != length) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
