package dev.eksaudit.bridge.config;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;

/**
 * One set of keys from three places. Precedence, highest first:
 *
 * <ol>
 *   <li>{@code --key value} arguments: what is typed for this one run overrides everything;
 *   <li>the file named by {@code --config} ({@code .properties}, {@code .yaml} or {@code .yml}),
 *       e.g. a ConfigMap mounted into the pod;
 *   <li>Managed Service for Apache Flink runtime properties, group {@value #MANAGED_FLINK_GROUP},
 *       read only when the service's properties file exists;
 *   <li>the defaults of {@link BridgeOptions}.
 * </ol>
 *
 * <p>Every source is checked on its own, so an unknown key fails with an error naming the key
 * and where it was written: a typo must never silently leave a default in place.
 */
public final class BridgeConfigLoader {

    /** The argument naming a configuration file; not a configuration key itself. */
    public static final String CONFIG_ARGUMENT = "config";

    /** The runtime property group the bridge reads on Managed Flink. */
    public static final String MANAGED_FLINK_GROUP = "BridgeConfig";

    /** Where Managed Flink writes the application's runtime properties (the runtime library's own default). */
    public static final Path MANAGED_FLINK_PROPERTIES = Paths.get("/etc/flink/application_properties.json");

    private BridgeConfigLoader() {}

    /** Arguments, the {@code --config} file and Managed Flink's runtime properties, validated. */
    public static BridgeConfig load(String... args) {
        return load(MANAGED_FLINK_PROPERTIES, args);
    }

    /** As {@link #load(String...)}, with the Managed Flink properties file given (tests). */
    public static BridgeConfig load(Path managedFlinkProperties, String... args) {
        Map<String, String> arguments = BridgeConfig.parseArgs(args);
        String file = arguments.remove(CONFIG_ARGUMENT);
        rejectUnknown(arguments, "the arguments");

        Map<String, String> merged = new LinkedHashMap<>(managedFlinkProperties(managedFlinkProperties));
        if (file != null) {
            merged.putAll(file(Paths.get(file)));
        }
        merged.putAll(arguments);
        return BridgeConfig.fromMap(merged);
    }

    /** The keys of a {@code .properties} or {@code .yaml}/{@code .yml} file. */
    public static Map<String, String> file(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        Map<String, String> values;
        try {
            if (name.endsWith(".properties")) {
                values = properties(path);
            } else if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                values = yaml(path);
            } else {
                throw new ConfigException(CONFIG_ARGUMENT + ": '" + path
                        + "' must end in .properties, .yaml or .yml");
            }
        } catch (JacksonException e) {
            // The parser's location is enough; its message can quote the file, which may hold a header.
            throw new ConfigException(CONFIG_ARGUMENT + ": '" + path + "' is not valid YAML at line "
                    + e.getLocation().getLineNr());
        } catch (IOException e) {
            throw new ConfigException(CONFIG_ARGUMENT + ": cannot read '" + path + "' ("
                    + e.getClass().getSimpleName() + ")");
        }
        rejectUnknown(values, "--config " + path);
        return values;
    }

    /** The {@value #MANAGED_FLINK_GROUP} group, or nothing when not running on Managed Flink. */
    public static Map<String, String> managedFlinkProperties(Path path) {
        if (!Files.isRegularFile(path)) {
            return Map.of();
        }
        Map<String, Properties> groups;
        try {
            groups = KinesisAnalyticsRuntime.getApplicationProperties(path.toString());
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("Managed Flink runtime properties: cannot read '" + path + "' ("
                    + e.getClass().getSimpleName() + ")");
        }
        for (String group : groups.keySet()) {
            if (!MANAGED_FLINK_GROUP.equals(group)) {
                throw new ConfigException("Unknown runtime property group '" + group + "': the bridge reads only "
                        + MANAGED_FLINK_GROUP + " (a misspelt group must not silently leave the defaults)");
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        Properties group = groups.get(MANAGED_FLINK_GROUP);
        if (group != null) {
            for (String key : new TreeSet<>(group.stringPropertyNames())) {
                values.put(key, group.getProperty(key));
            }
        }
        rejectUnknown(values, "runtime property group " + MANAGED_FLINK_GROUP);
        return values;
    }

    private static Map<String, String> properties(Path path) throws IOException {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            props.load(in);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : new TreeSet<>(props.stringPropertyNames())) {
            values.put(key, props.getProperty(key).trim());
        }
        return values;
    }

    /** Nested maps ({@code falco: {url: ...}}) and dotted keys ({@code falco.url: ...}) both work. */
    private static Map<String, String> yaml(Path path) throws IOException {
        JsonNode root = new YAMLMapper().readTree(path.toFile());
        Map<String, String> values = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return values; // an empty file sets nothing
        }
        if (!root.isObject()) {
            throw new ConfigException(CONFIG_ARGUMENT + ": '" + path + "' must be a YAML mapping of keys to values");
        }
        flatten("", root, values, path);
        return values;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path path) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = prefix + field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject()) {
                flatten(key + ".", value, out, path);
            } else if (value.isArray()) {
                // A list of Falco URLs is the comma-separated form of falco.url.
                List<String> items = new ArrayList<>();
                for (JsonNode item : value) {
                    if (!item.isValueNode()) {
                        throw new ConfigException(key + ": in '" + path + "' a list may hold only plain values");
                    }
                    items.add(item.asText());
                }
                out.put(key, String.join(",", items));
            } else if (value.isNull()) {
                throw new ConfigException(key + ": in '" + path + "' has no value");
            } else {
                out.put(key, value.asText());
            }
        }
    }

    private static void rejectUnknown(Map<String, String> values, String where) {
        Set<String> known = BridgeOptions.ALL.stream().map(ConfigOption::key).collect(Collectors.toSet());
        for (String key : values.keySet()) {
            if (!known.contains(key)) {
                throw new ConfigException("Unknown option '" + key + "' in " + where
                        + " (a typo must not silently disable something); known options: "
                        + String.join(", ", new TreeSet<>(known)));
            }
        }
    }
}
