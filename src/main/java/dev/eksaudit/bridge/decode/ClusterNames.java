package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.BridgeOptions;
import dev.eksaudit.bridge.config.InputPaths;
import java.io.Serializable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which cluster an event belongs to: the name of the input path its object was read from, else
 * the EKS cluster of its CloudWatch Logs log group ({@code /aws/eks/<cluster>/cluster}) put
 * through {@code cluster.name-format}; null when neither says (a bare event, layout d, under an
 * unnamed path).
 */
public final class ClusterNames implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final Pattern EKS_LOG_GROUP = Pattern.compile("^/aws/eks/([^/]+)/cluster$");

    final boolean tagging;
    private final String format;
    private final InputPaths paths;

    public ClusterNames(boolean tagging, String format, InputPaths paths) {
        this.tagging = tagging;
        this.format = format;
        this.paths = paths;
    }

    public static ClusterNames fromConfig(BridgeConfig config) {
        return new ClusterNames(config.get(BridgeOptions.CLUSTER_TAGGING), config.get(BridgeOptions.CLUSTER_NAME_FORMAT),
                config.inputPaths());
    }

    /** Events forwarded untouched; names from log groups only, for metrics (the decoder's default). */
    public static ClusterNames untouched() {
        return new ClusterNames(false, "{cluster}", null);
    }

    /** The cluster's name, or null. */
    String resolve(String objectKey, String logGroup, String owner) {
        if (paths != null) {
            String named = paths.nameOf(objectKey).orElse(null);
            if (named != null) {
                return named;
            }
        }
        if (logGroup == null) {
            return null;
        }
        Matcher m = EKS_LOG_GROUP.matcher(logGroup);
        if (!m.matches()) {
            return null;
        }
        if (format.contains("{account}") && (owner == null || owner.isEmpty())) {
            return null;
        }
        return format.replace("{cluster}", m.group(1)).replace("{account}", owner == null ? "" : owner);
    }
}
