package dev.eksaudit.bridge.source;

import java.io.Serializable;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.Path;

/**
 * {@code input.path} as a Firehose S3 prefix: a base (the part before the first expression, up to
 * its last '/') and the folders below it, written the way the delivery stream's prefix is, with
 * {@code !{timestamp:<DateTimeFormatter pattern>}} expressions (e.g. Hive style
 * {@code year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/}).
 * Like Firehose, a prefix without a timestamp expression gets the default {@code yyyy/MM/dd/HH/}
 * appended. Expressions are evaluated in the partition time zone (Firehose's CustomTimeZone,
 * {@code input.partition-timezone}), at the time Firehose files an object by: the arrival of its
 * oldest record.
 *
 * <p>The folders of a time range are computed, never found by listing: the distinct folders that
 * the instants of the range produce. Since a folder changes at most on a local hour boundary and
 * every zone offset in use is a multiple of 15 minutes, evaluating the range's first instant and
 * every quarter hour after it finds them all, including a 30-minute offset (Asia/Kolkata: one UTC
 * hour touches two local hour folders), a daylight-saving change that repeats a local hour (two
 * UTC hours, one folder) and one that skips a local hour (no folder for it).
 *
 * <p>Immutable and serializable (it travels with the source to the JobManager).
 */
public final class FirehosePrefix implements Serializable {
    private static final long serialVersionUID = 1L;

    /** What a path without timestamp expressions has below it: Firehose's default, in UTC unless told otherwise. */
    public static final String DEFAULT_PATTERN = "!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/";

    private static final Pattern EXPRESSION = Pattern.compile("!\\{([^}]*)}");
    /** Pattern letters of units finer than an hour: minute, second, fractions, milli/nano of day. */
    private static final String FINER_THAN_HOUR = "msSnNA";
    private static final long STEP_SECONDS = 15 * 60;

    private final String written;
    private final String base;
    private final String pattern;
    private final ZoneId zone;
    /** The pattern as literal text and formatters, alternating; rebuilt after deserialization. */
    private transient List<Object> parts;

    private FirehosePrefix(String written, String base, String pattern, ZoneId zone) {
        this.written = written;
        this.base = base;
        this.pattern = pattern;
        this.zone = zone;
        this.parts = compile(pattern, zone);
    }

    /**
     * Parses an {@code input.path} as the user wrote it.
     *
     * @throws IllegalArgumentException with one line that names {@code input.path} and what is allowed
     */
    public static FirehosePrefix parse(String inputPath, ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        String path = inputPath.trim();
        int first = path.indexOf("!{");
        if (first < 0) {
            String base = path.endsWith("/") ? path : path + "/";
            return new FirehosePrefix(path, base, DEFAULT_PATTERN, zone);
        }
        int cut = path.lastIndexOf('/', first);
        String base = path.substring(0, cut + 1);
        String pattern = path.substring(cut + 1);
        if (pattern.replaceAll("!\\{[^}]*}", "").contains("!{")) {
            throw new IllegalArgumentException("input.path: an expression is not closed with '}' in '" + pattern + "'");
        }
        boolean timestamp = false;
        Matcher m = EXPRESSION.matcher(pattern);
        while (m.find()) {
            String expression = m.group(1);
            if (expression.startsWith("timestamp:")) {
                checkTimestamp(expression.substring("timestamp:".length()), m.group());
                timestamp = true;
            } else if (expression.startsWith("firehose:")) {
                throw new IllegalArgumentException("input.path: " + m.group() + " is not allowed: Firehose "
                        + "fills it with a random string or an error type, so the folders to list cannot be "
                        + "computed; give the prefix up to the folders of !{timestamp:...} expressions only");
            } else if (expression.startsWith("partitionKeyFrom")) {
                throw new IllegalArgumentException("input.path: " + m.group() + " is not allowed: dynamic "
                        + "partition keys are not known in advance; give one input.path per key value");
            } else {
                throw new IllegalArgumentException("input.path: unknown expression " + m.group()
                        + "; only !{timestamp:<pattern>} is allowed");
            }
        }
        if (!timestamp) {
            throw new IllegalArgumentException("input.path: no !{timestamp:...} expression in '" + pattern + "'");
        }
        if (!pattern.endsWith("/")) {
            throw new IllegalArgumentException("input.path: must end with '/' after the last !{timestamp:...} "
                    + "folder (objects are listed per folder), got '" + pattern + "'");
        }
        if (base.isEmpty() || !base.contains(":")) {
            throw new IllegalArgumentException("input.path: the part before the first !{...} must be a "
                    + "location such as s3://bucket/prefix/, got '" + base + "'");
        }
        return new FirehosePrefix(path, base, pattern, zone);
    }

    private static void checkTimestamp(String format, String expression) {
        // Letters outside quotes are pattern letters (DateTimeFormatter's rules).
        boolean quoted = false;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && FINER_THAN_HOUR.indexOf(c) >= 0) {
                throw new IllegalArgumentException("input.path: " + expression + " uses '" + c + "', a unit "
                        + "finer than an hour; only folders of an hour or coarser are supported (y, M, d, H, ...)");
            }
        }
        try {
            DateTimeFormatter.ofPattern(format, Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("input.path: " + expression + " is not a valid "
                    + "DateTimeFormatter pattern (" + e.getMessage() + ")");
        }
    }

    private static List<Object> compile(String pattern, ZoneId zone) {
        List<Object> parts = new ArrayList<>();
        Matcher m = EXPRESSION.matcher(pattern);
        int at = 0;
        while (m.find()) {
            parts.add(pattern.substring(at, m.start()));
            parts.add(DateTimeFormatter.ofPattern(m.group(1).substring("timestamp:".length()), Locale.ROOT)
                    .withZone(zone));
            at = m.end();
        }
        parts.add(pattern.substring(at));
        return parts;
    }

    private Object readResolve() {
        return new FirehosePrefix(written, base, pattern, zone);
    }

    /** The {@code input.path} as written. */
    public String written() {
        return written;
    }

    /** Where listing starts: everything before the first expression, ending in '/'. */
    public Path base() {
        return new Path(base);
    }

    /** The folders below the base, as written (the default one for a path without expressions). */
    public String pattern() {
        return pattern;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The folder an object arriving at this instant is filed under, below the base, without the trailing '/'. */
    public String folderOf(Instant instant) {
        StringBuilder out = new StringBuilder();
        for (Object part : parts) {
            if (part instanceof String) {
                out.append((String) part);
            } else {
                try {
                    ((DateTimeFormatter) part).formatTo(instant, out);
                } catch (DateTimeException e) {
                    throw new IllegalArgumentException("input.path: cannot evaluate '" + pattern + "' at "
                            + instant + " (" + e.getMessage() + ")");
                }
            }
        }
        int end = out.length();
        while (end > 0 && out.charAt(end - 1) == '/') {
            end--;
        }
        return out.substring(0, end);
    }

    /** A folder below the base as a path. */
    public Path folder(String folder) {
        return new Path(base + folder);
    }

    /**
     * The distinct folders of the instants from {@code from} to {@code to} (both included), oldest
     * first, each with the end of its time span (exclusive, to the quarter hour): when Firehose
     * stops filing into it.
     */
    public Map<String, Instant> folders(Instant from, Instant to) {
        Map<String, Instant> folders = new LinkedHashMap<>();
        if (to.isBefore(from)) {
            return folders;
        }
        long step = Math.floorDiv(from.getEpochSecond(), STEP_SECONDS);
        long last = Math.floorDiv(to.getEpochSecond(), STEP_SECONDS);
        for (; step <= last; step++) {
            Instant t = Instant.ofEpochSecond(step * STEP_SECONDS);
            String folder = folderOf(t.isBefore(from) ? from : t);
            folders.put(folder, t.plusSeconds(STEP_SECONDS));
        }
        return folders;
    }

    @Override
    public String toString() {
        return written + (zone.normalized().equals(java.time.ZoneOffset.UTC) ? "" : " in " + zone);
    }
}
