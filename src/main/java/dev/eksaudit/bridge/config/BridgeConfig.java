package dev.eksaudit.bridge.config;

import static dev.eksaudit.bridge.config.BridgeOptions.*;

import dev.eksaudit.bridge.source.FirehosePrefix;
import dev.eksaudit.bridge.source.FirehoseSource;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.TimeUtils;

/**
 * The bridge's validated configuration. Every value is parsed and checked here, at start, so a
 * mistake fails the job before it runs with one line naming the key and what is allowed.
 */
public final class BridgeConfig {

    private static final Set<String> INPUT_SCHEMES = Set.of("s3", "s3a", "s3p", "file");
    private static final Set<String> OUTPUT_SCHEMES = INPUT_SCHEMES;

    private final Configuration values;
    private final List<URI> falcoUrls;
    private final InputPaths inputPaths;

    private BridgeConfig(Configuration values, List<URI> falcoUrls, InputPaths inputPaths) {
        this.values = values;
        this.falcoUrls = falcoUrls;
        this.inputPaths = inputPaths;
    }

    /** Parses {@code --key value} arguments. */
    public static BridgeConfig fromArgs(String... args) {
        return fromMap(parseArgs(args));
    }

    /** {@code --key value} arguments as a map, in order; keys are not checked here. */
    static Map<String, String> parseArgs(String... args) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new ConfigException("Unexpected argument '" + arg + "': options are given as --key value");
            }
            String key = arg.substring(2);
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                throw new ConfigException(key + ": missing value after --" + key);
            }
            map.put(key, args[++i]);
        }
        return map;
    }

    /** Validates a map of option keys to values (arguments today; files and runtime properties later). */
    public static BridgeConfig fromMap(Map<String, String> map) {
        Set<String> known = ALL.stream().map(ConfigOption::key).collect(Collectors.toSet());
        for (String key : map.keySet()) {
            if (!known.contains(key)) {
                throw new ConfigException("Unknown option '" + key + "' (a typo must not silently disable "
                        + "something); known options: " + String.join(", ", new java.util.TreeSet<>(known)));
            }
        }
        Configuration values = Configuration.fromMap(map);
        for (ConfigOption<?> option : ALL) {
            read(values, option);
        }

        String input = require(values, INPUT_PATH);
        InputPaths inputPaths = InputPaths.parse(INPUT_PATH.key(), input);
        checkNameFormat(values.get(CLUSTER_NAME_FORMAT));
        java.time.ZoneId zone;
        try {
            zone = java.time.ZoneId.of(values.get(INPUT_PARTITION_TIMEZONE).trim());
        } catch (java.time.DateTimeException e) {
            throw new ConfigException(INPUT_PARTITION_TIMEZONE.key() + ": invalid value '"
                    + values.get(INPUT_PARTITION_TIMEZONE) + "', expected a zone id such as UTC, Asia/Kolkata or America/New_York");
        }
        for (InputPaths.InputPath path : inputPaths.all()) {
            checkUri(INPUT_PATH.key(), baseOf(path.uri), INPUT_SCHEMES, "s3://bucket/prefix/ or file:///abs/dir/");
            try {
                FirehosePrefix.parse(path.uri, zone);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }
        values.getOptional(DLQ_PATH)
                .ifPresent(dlq -> checkUri(DLQ_PATH.key(), dlq, OUTPUT_SCHEMES, "s3://bucket/prefix/ or file:///abs/dir/"));
        if (values.get(DECODE_LOG_STREAM_PREFIX).isEmpty()) {
            throw new ConfigException(DECODE_LOG_STREAM_PREFIX.key() + ": must not be empty");
        }

        positive(values, INPUT_DISCOVERY_INTERVAL);
        positive(values, INPUT_LOOKBACK);
        positive(values, INPUT_LATE_DISCOVERY_INTERVAL);
        positive(values, INPUT_LATE_LOOKBACK);
        String partitioning = values.get(INPUT_PARTITIONING);
        if (!partitioning.equals("firehose-hourly") && !partitioning.equals("none")) {
            throw new ConfigException(INPUT_PARTITIONING.key() + ": invalid value '" + partitioning
                    + "', expected one of firehose-hourly, none");
        }
        if (partitioning.equals("none") && input.contains("!{")) {
            throw new ConfigException(INPUT_PATH.key() + ": !{timestamp:...} folders need " + INPUT_PARTITIONING.key()
                    + " firehose-hourly, not none");
        }
        if (values.get(INPUT_MODE) == InputMode.CONTINUOUS && partitioning.equals("firehose-hourly")) {
            try {
                FirehoseSource.checkWindows(values.get(INPUT_LOOKBACK), values.get(INPUT_DISCOVERY_INTERVAL),
                        values.get(INPUT_LATE_LOOKBACK));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }
        String start = values.get(INPUT_START);
        if (!start.equals("earliest") && !start.equals("latest")) {
            instant(INPUT_START.key(), start, "earliest, latest or an ISO-8601 instant such as 2026-11-20T00:00:00Z");
        }
        Optional<String> end = values.getOptional(INPUT_END);
        if (end.isPresent()) {
            if (values.get(INPUT_MODE) != InputMode.BOUNDED) {
                throw new ConfigException(INPUT_END.key() + ": only allowed with " + INPUT_MODE.key() + " bounded");
            }
            Instant endAt = instant(INPUT_END.key(), end.get(), "an ISO-8601 instant such as 2026-11-21T00:00:00Z");
            if (!start.equals("earliest") && !start.equals("latest")
                    && !endAt.isAfter(Instant.parse(start))) {
                throw new ConfigException(INPUT_END.key() + ": must be after " + INPUT_START.key() + " (" + start + ")");
            }
        }
        Optional<String> progressPath = values.getOptional(INPUT_PROGRESS_PATH);
        Optional<String> startFrom = values.getOptional(INPUT_START_FROM);
        for (ConfigOption<String> option : List.of(INPUT_PROGRESS_PATH, INPUT_START_FROM)) {
            Optional<String> value = values.getOptional(option);
            if (value.isPresent()) {
                if (values.get(INPUT_MODE) != InputMode.CONTINUOUS) {
                    throw new ConfigException(option.key() + ": only allowed with " + INPUT_MODE.key() + " continuous");
                }
                checkUri(option.key(), value.get(), OUTPUT_SCHEMES, "s3://bucket/prefix/ or file:///abs/dir/");
            }
        }
        if (progressPath.isPresent() && startFrom.isPresent()
                && sameFolder(progressPath.get(), startFrom.get())) {
            throw new ConfigException(INPUT_PROGRESS_PATH.key() + ": must not be the folder of " + INPUT_START_FROM.key()
                    + " (this job's checkpoint ids start again at 1 and its records would mix with the old job's); give another folder");
        }
        positive(values, INPUT_MISSING_OBJECT_TIMEOUT);
        positive(values, INPUT_DENIED_TIMEOUT);
        positive(values, INPUT_RETRY_INITIAL_BACKOFF);
        positive(values, INPUT_RETRY_MAX_BACKOFF);
        if (values.get(INPUT_RETRY_MAX_BACKOFF).compareTo(values.get(INPUT_RETRY_INITIAL_BACKOFF)) < 0) {
            throw new ConfigException(INPUT_RETRY_MAX_BACKOFF.key() + ": must be at least "
                    + INPUT_RETRY_INITIAL_BACKOFF.key() + " ("
                    + TimeUtils.formatWithHighestUnit(values.get(INPUT_RETRY_INITIAL_BACKOFF)) + "), got "
                    + TimeUtils.formatWithHighestUnit(values.get(INPUT_RETRY_MAX_BACKOFF)));
        }
        positive(values, DEDUP_TTL);
        positive(values, FALCO_BATCH_MAX_DELAY);
        positive(values, FALCO_REQUEST_TIMEOUT);
        positive(values, FALCO_CONNECT_TIMEOUT);
        positive(values, FALCO_AUTH_RECHECK_INTERVAL);
        positive(values, FALCO_RETRY_INITIAL_BACKOFF);
        positive(values, FALCO_RETRY_MAX_BACKOFF);
        atLeast(values, FALCO_BATCH_MAX_EVENTS, 1);
        atLeast(values, FALCO_MAX_IN_FLIGHT, 1);
        atLeast(values, FALCO_RETRY_MAX_ATTEMPTS, 0);
        long body = values.get(FALCO_MAX_BODY_BYTES).getBytes();
        long batch = values.get(FALCO_BATCH_MAX_BYTES).getBytes();
        long event = values.get(FALCO_MAX_EVENT_BYTES).getBytes();
        if (body < 1024) {
            throw new ConfigException(FALCO_MAX_BODY_BYTES.key() + ": must be at least 1 kb, got " + body + " bytes");
        }
        if (batch < 1 || batch > body) {
            throw new ConfigException(FALCO_BATCH_MAX_BYTES.key() + ": must be between 1 byte and "
                    + FALCO_MAX_BODY_BYTES.key() + " (" + body + " bytes), got " + batch + " bytes");
        }
        if (event < 1 || event > batch) {
            throw new ConfigException(FALCO_MAX_EVENT_BYTES.key() + ": must be between 1 byte and "
                    + FALCO_BATCH_MAX_BYTES.key() + " (" + batch + " bytes), got " + event + " bytes");
        }
        if (values.get(FALCO_RETRY_MAX_BACKOFF).compareTo(values.get(FALCO_RETRY_INITIAL_BACKOFF)) < 0) {
            throw new ConfigException(FALCO_RETRY_MAX_BACKOFF.key() + ": must be at least "
                    + FALCO_RETRY_INITIAL_BACKOFF.key());
        }

        List<URI> urls = new ArrayList<>();
        Optional<String> falco = values.getOptional(FALCO_URL);
        if (falco.isEmpty() && !values.get(FALCO_DRY_RUN)) {
            throw new ConfigException(FALCO_URL.key() + ": required (e.g. http://falco:9765/k8s-audit), "
                    + "unless " + FALCO_DRY_RUN.key() + " is true");
        }
        if (falco.isPresent()) {
            for (String part : falco.get().split(",")) {
                String url = part.trim();
                URI uri = checkUri(FALCO_URL.key(), url, Set.of("http", "https"),
                        "http(s)://host:port/path, comma-separated");
                if (uri.getHost() == null) {
                    throw new ConfigException(FALCO_URL.key() + ": '" + url + "' has no host");
                }
                if (uri.getRawUserInfo() != null) {
                    // The URL is logged and is the sink's metric label "url": a password in it would be too.
                    throw new ConfigException(FALCO_URL.key() + ": '" + withoutUserInfo(uri) + "' has user info "
                            + "(a credential that would end up in logs and metric labels); put the header in "
                            + FALCO_AUTH_HEADER_FILE.key() + " instead, e.g. 'Authorization: Basic <base64 of user:password>'");
                }
                urls.add(uri);
            }
        }
        return new BridgeConfig(values, List.copyOf(urls), inputPaths);
    }

    public <T> T get(ConfigOption<T> option) {
        return values.get(option);
    }

    public <T> Optional<T> getOptional(ConfigOption<T> option) {
        return values.getOptional(option);
    }

    /**
     * The first path of {@code input.path}, without its name: exactly {@code input.path} when that
     * is a single unnamed path. The source reads every path ({@link #inputPaths()}).
     */
    public String inputPath() {
        InputPaths.InputPath only = inputPaths.all().get(0);
        return only.name == null ? values.get(INPUT_PATH) : only.uri;
    }

    /** Every {@code input.path} item, with its name if given. */
    public InputPaths inputPaths() {
        return inputPaths;
    }

    public InputMode inputMode() {
        return values.get(INPUT_MODE);
    }

    public Duration dedupTtl() {
        return values.get(DEDUP_TTL);
    }

    public List<URI> falcoUrls() {
        return falcoUrls;
    }

    public long bytes(ConfigOption<MemorySize> option) {
        return values.get(option).getBytes();
    }

    /** Every option with its default and meaning, for {@code --help}. */
    public static String help() {
        StringBuilder out = new StringBuilder("eks-audit-bridge: EKS audit logs from S3 (Kinesis Firehose) to Falco\n\n"
                + "Usage: BridgeJob --input.path s3://bucket/prefix/ --falco.url http://falco:9765/k8s-audit [--key value ...]\n\n"
                + "Options come from --key value arguments, then a --config file (.properties, .yaml or .yml),\n"
                + "then Managed Flink runtime properties (group " + BridgeConfigLoader.MANAGED_FLINK_GROUP
                + "); the first place that sets a key wins.\n\n"
                + "  --config <file>                    a properties or YAML file with the keys below\n\n"
                + "Options:\n");
        for (ConfigOption<?> option : ALL) {
            String def = defaultText(option);
            out.append(String.format(Locale.ROOT, "  --%-32s default %s%n      %s%n",
                    option.key(), def, description(option)));
        }
        return out.toString();
    }

    /** An option's description as plain text. */
    public static String description(ConfigOption<?> option) {
        // Flink only ships an HTML formatter for descriptions; ours are plain sentences.
        return new org.apache.flink.configuration.description.HtmlFormatter().format(option.description())
                .replace("&#39;", "'").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&amp;", "&");
    }

    /** An option's default as a user writes it ({@code 10 s}, {@code continuous}), or {@code (none)}. */
    public static String defaultText(ConfigOption<?> option) {
        return option.hasDefaultValue() ? String.valueOf(describeDefault(option.defaultValue())) : "(none)";
    }

    private static Object describeDefault(Object value) {
        if (value instanceof Duration) {
            return org.apache.flink.util.TimeUtils.formatWithHighestUnit((Duration) value);
        }
        if (value instanceof Enum) {
            return ((Enum<?>) value).name().toLowerCase(Locale.ROOT);
        }
        return value;
    }

    private static void read(Configuration values, ConfigOption<?> option) {
        try {
            values.get(option);
        } catch (RuntimeException e) {
            throw new ConfigException(option.key() + ": invalid value '" + values.toMap().get(option.key())
                    + "', expected " + expected(option));
        }
    }

    private static String expected(ConfigOption<?> option) {
        Object def = option.hasDefaultValue() ? option.defaultValue() : null;
        if (def instanceof Duration) {
            return "a duration such as '200 ms', '10 s' or '1 h'";
        }
        if (def instanceof MemorySize) {
            return "a size such as '262144', '512 kb' or '4 mb'";
        }
        if (def instanceof Boolean) {
            return "true or false";
        }
        if (def instanceof Integer) {
            return "an integer";
        }
        if (def instanceof Enum) {
            return "one of " + Arrays.stream(((Enum<?>) def).getDeclaringClass().getEnumConstants())
                    .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", "));
        }
        return "a string";
    }

    private static String require(Configuration values, ConfigOption<String> option) {
        String v = values.getOptional(option).map(String::trim).orElse("");
        if (v.isEmpty()) {
            throw new ConfigException(option.key() + ": required; " + description(option));
        }
        return v;
    }

    /** The part of an input path before its first expression ('{' is no URI character). */
    private static String baseOf(String input) {
        int first = input.indexOf("!{");
        return first < 0 ? input : input.substring(0, input.lastIndexOf('/', first) + 1);
    }

    /** True when a start-from (a folder or a record in it) lies in the given progress folder. */
    private static boolean sameFolder(String progressPath, String startFrom) {
        String folder = trimSlashes(progressPath);
        String from = trimSlashes(startFrom);
        return from.equals(folder) || from.startsWith(folder + "/") && from.indexOf('/', folder.length() + 1) < 0;
    }

    private static String trimSlashes(String path) {
        String s = path.trim().replaceFirst("^s3[an]?://", "s3://");
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    private static String withoutUserInfo(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    private static URI checkUri(String key, String value, Set<String> schemes, String allowed) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (Exception e) {
            throw new ConfigException(key + ": '" + value + "' is not a valid URI; expected " + allowed);
        }
        if (uri.getScheme() == null || !schemes.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
            throw new ConfigException(key + ": '" + value + "' has scheme " + uri.getScheme() + "; expected " + allowed);
        }
        return uri;
    }

    /** Only {cluster} and {account}, and {cluster} at least once: names must tell clusters apart. */
    static void checkNameFormat(String format) {
        String rest = format.replace("{cluster}", "").replace("{account}", "");
        if (!format.contains("{cluster}") || rest.contains("{") || rest.contains("}")) {
            throw new ConfigException(CLUSTER_NAME_FORMAT.key() + ": invalid value '" + format
                    + "', expected text with {cluster} and optionally {account}, e.g. {account}/{cluster}");
        }
    }

    private static Instant instant(String key, String value, String allowed) {
        try {
            return Instant.parse(value);
        } catch (java.time.format.DateTimeParseException e) {
            throw new ConfigException(key + ": invalid value '" + value + "', expected " + allowed);
        }
    }

    private static void positive(Configuration values, ConfigOption<Duration> option) {
        Duration d = values.get(option);
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException(option.key() + ": must be a positive duration, got " + d);
        }
    }

    private static void atLeast(Configuration values, ConfigOption<Integer> option, int min) {
        int v = values.get(option);
        if (v < min) {
            throw new ConfigException(option.key() + ": must be at least " + min + ", got " + v);
        }
    }
}
