package dev.eksaudit.bridge.config;

import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The value of {@code input.path}: a comma-separated list of {@code s3://...} / {@code file://...}
 * paths, each optionally named {@code name=s3://...}. The name is what events read from that path
 * carry as {@code annotations.cluster_name}.
 *
 * <p>A Firehose custom prefix may hold {@code =} itself ({@code year=!{timestamp:yyyy}/}), so a
 * name is only a leading {@value #NAME} followed by {@code =} and a scheme.
 */
public final class InputPaths implements Serializable {
    private static final long serialVersionUID = 1L;

    static final String NAME = "[A-Za-z0-9][A-Za-z0-9_.-]*";
    private static final Pattern NAMED = Pattern.compile("^(" + NAME + ")=([A-Za-z][A-Za-z0-9+.-]*://.*)$");
    /** Anything before '=' that is not a scheme-bearing URI: a name attempt, checked so a typo fails. */
    private static final Pattern NAME_ATTEMPT = Pattern.compile("^([^:/]*)=([A-Za-z][A-Za-z0-9+.-]*://.*)$");
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):");
    private static final Set<String> SCHEMES = Set.of("s3", "s3a", "s3p", "file");
    private static final String ALLOWED = "s3://bucket/prefix/ or file:///abs/dir/, optionally named "
            + "name=s3://bucket/prefix/ (name: letters, digits, '_', '.', '-', starting with a letter or digit), "
            + "comma-separated";

    /** One input path. */
    public static final class InputPath implements Serializable {
        private static final long serialVersionUID = 1L;

        /** null when the path is not named (the cluster then comes from the log group). */
        public final String name;
        /** As written, e.g. {@code s3://edge-account-bucket/eks-audit/}. */
        public final String uri;
        /** Bucket and key prefix (or local path) before any {@code !{...}} expression, scheme dropped. */
        final String staticPrefix;

        InputPath(String name, String uri) {
            this.name = name;
            this.uri = uri;
            this.staticPrefix = staticPrefix(uri);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof InputPath && Objects.equals(name, ((InputPath) o).name)
                    && uri.equals(((InputPath) o).uri);
        }

        @Override
        public int hashCode() {
            return uri.hashCode();
        }

        @Override
        public String toString() {
            return name == null ? uri : name + "=" + uri;
        }
    }

    private final List<InputPath> paths;

    private InputPaths(List<InputPath> paths) {
        this.paths = Collections.unmodifiableList(paths);
    }

    /** Parses and checks {@code value}; every error is one line naming {@code key}. */
    public static InputPaths parse(String key, String value) {
        List<InputPath> paths = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String item = part.trim();
            if (item.isEmpty()) {
                throw new ConfigException(key + ": empty item in '" + value + "'; expected " + ALLOWED);
            }
            String name = null;
            String uri = item;
            Matcher named = NAMED.matcher(item);
            if (named.matches()) {
                name = named.group(1);
                uri = named.group(2);
            } else {
                Matcher attempt = NAME_ATTEMPT.matcher(item);
                if (attempt.matches()) {
                    throw new ConfigException(key + ": '" + attempt.group(1) + "' is not a valid path name; expected "
                            + ALLOWED);
                }
            }
            checkUri(key, uri);
            paths.add(new InputPath(name, uri));
        }
        for (int i = 0; i < paths.size(); i++) {
            for (int j = 0; j < paths.size(); j++) {
                InputPath a = paths.get(i);
                InputPath b = paths.get(j);
                if (i < j && a.name != null && a.name.equals(b.name)) {
                    throw new ConfigException(key + ": name '" + a.name + "' is given to two paths; names must be unique");
                }
                if (i < j && a.staticPrefix.equals(b.staticPrefix)) {
                    throw new ConfigException(key + ": '" + a.uri + "' and '" + b.uri + "' are the same path");
                }
                if (i != j && b.staticPrefix.startsWith(a.staticPrefix) && !a.staticPrefix.equals(b.staticPrefix)) {
                    throw new ConfigException(key + ": '" + b.uri + "' is inside '" + a.uri
                            + "'; paths must not nest (its objects would be read twice)");
                }
            }
        }
        return new InputPaths(paths);
    }

    public List<InputPath> all() {
        return paths;
    }

    public int size() {
        return paths.size();
    }

    /**
     * The name of the path this object was read from: the path whose static prefix the object's
     * key starts with, the longest one when several do (only possible for names with expressions).
     * Empty when that path has no name or no path matches.
     */
    public Optional<String> nameOf(String objectKey) {
        if (objectKey == null) {
            return Optional.empty();
        }
        String key = withoutScheme(objectKey);
        InputPath best = null;
        for (InputPath p : paths) {
            if (key.startsWith(p.staticPrefix) && (best == null || p.staticPrefix.length() > best.staticPrefix.length())) {
                best = p;
            }
        }
        return best == null ? Optional.empty() : Optional.ofNullable(best.name);
    }

    /** True when any path is named. */
    public boolean anyNamed() {
        return paths.stream().anyMatch(p -> p.name != null);
    }

    private static void checkUri(String key, String uri) {
        // Flink renders local paths as file:/abs/dir, with one slash: accepted as before.
        Matcher scheme = SCHEME.matcher(uri);
        String s = scheme.find() ? scheme.group(1).toLowerCase(Locale.ROOT) : "";
        if (!SCHEMES.contains(s)) {
            throw new ConfigException(key + ": '" + uri + "' has scheme " + (s.isEmpty() ? "null" : s)
                    + "; expected " + ALLOWED);
        }
        // A Firehose prefix expression (!{timestamp:yyyy}) is not URI syntax: check what precedes it.
        String fixed = uri.contains("!{") ? uri.substring(0, uri.indexOf("!{")) : uri;
        try {
            new URI(fixed);
        } catch (Exception e) {
            throw new ConfigException(key + ": '" + uri + "' is not a valid URI; expected " + ALLOWED);
        }
    }

    /**
     * {@code s3://b/eks/} -> {@code b/eks/}, {@code file:///tmp/x} and Flink's {@code file:/tmp/x}
     * -> {@code /tmp/x}: the same object under s3 and s3a, and Flink's rendering of local paths,
     * compare equal.
     */
    static String withoutScheme(String uri) {
        int colon = uri.indexOf(':');
        String rest = colon < 0 ? uri : uri.substring(colon + 1);
        return rest.startsWith("//") ? rest.substring(2) : rest;
    }

    /** The part before any {@code !{...}}, as a directory when it has no expression. */
    static String staticPrefix(String uri) {
        int expr = uri.indexOf("!{");
        String prefix = withoutScheme(expr < 0 ? uri : uri.substring(0, expr));
        if (expr < 0 && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        return prefix;
    }

    @Override
    public String toString() {
        return paths.toString();
    }
}
