package dev.eksaudit.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The job jar's {@code Main-Class}. It references no Flink class, so {@code java -jar
 * eks-audit-bridge.jar --help} works without Flink on the classpath (Flink is {@code provided}: a
 * cluster brings it). {@code --help} prints the option list generated at build time from
 * {@code BridgeOptions} ({@value #HELP_RESOURCE}); anything else starts {@link BridgeJob}, which a
 * cluster ({@code flink run}, Managed Flink, the operator) may also name as entry class directly.
 */
public final class BridgeLauncher {

    static final String HELP_RESOURCE = "/dev/eksaudit/bridge/help.txt";

    private BridgeLauncher() {}

    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            if ("--help".equals(arg) || "-h".equals(arg)) {
                System.out.print(help());
                return;
            }
        }
        if (!flinkOnClasspath()) {
            System.err.println("eks-audit-bridge: Flink 1.20 is not on the classpath: submit this jar to a Flink cluster "
                    + "(flink run <jar> --input.path ...), or run locally with the README's run command; --help needs no Flink");
            System.exit(2);
            return;
        }
        BridgeJob.main(args);
    }

    /** The generated help text, or (classes not packaged, e.g. in an IDE) the same text computed now. */
    static String help() throws IOException {
        try (InputStream in = BridgeLauncher.class.getResourceAsStream(HELP_RESOURCE)) {
            if (in != null) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        return dev.eksaudit.bridge.config.BridgeConfig.help();
    }

    private static boolean flinkOnClasspath() {
        try {
            Class.forName("org.apache.flink.streaming.api.environment.StreamExecutionEnvironment", false,
                    BridgeLauncher.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Build step (pom, process-classes): writes the help text to the file named by the argument. */
    public static final class WriteHelp {
        private WriteHelp() {}

        public static void main(String[] args) throws IOException {
            java.nio.file.Path file = java.nio.file.Path.of(args[0]);
            java.nio.file.Files.createDirectories(file.getParent());
            java.nio.file.Files.writeString(file, dev.eksaudit.bridge.config.BridgeConfig.help(), StandardCharsets.UTF_8);
        }
    }
}
