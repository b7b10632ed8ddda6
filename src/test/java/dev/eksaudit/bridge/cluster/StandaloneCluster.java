package dev.eksaudit.bridge.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Flink standalone session cluster as separate JVMs, laid out like a distribution: {@code lib/}
 * is the classpath Maven wrote to {@code target/flink-lib.classpath} plus the log4j jars in
 * {@code target/flink-lib}, {@code plugins/} is {@code target/flink-plugins-<runtime>} (the S3 file
 * system of this build's Flink, failsafe's {@code flink.runtime}),
 * and {@code conf/config.yaml} is written here. The project's classes reach it only through the
 * job jar a client submits.
 */
final class StandaloneCluster implements AutoCloseable {
    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final String JOB_MANAGER = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    private static final String TASK_MANAGER = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

    private final Path home;
    private final Path confDir;
    private final int restPort;
    private final String classpath;
    private final Path pluginsDir;
    private final Map<String, Process> processes = new LinkedHashMap<>();

    private StandaloneCluster(Path home, int restPort, String classpath, Path pluginsDir) {
        this.home = home;
        this.confDir = home.resolve("conf");
        this.restPort = restPort;
        this.classpath = classpath;
        this.pluginsDir = pluginsDir;
    }

    /** Writes {@code conf/} under {@code home} with free ports and the given settings on top. */
    static StandaloneCluster configure(Path home, Map<String, String> settings) throws IOException {
        return configure(home, settings, TARGET, runtime());
    }

    /**
     * The same with the distribution another build of this project laid out: {@code buildDir} is
     * its {@code target/}, {@code runtime} its Flink version (MigrationIT runs a 1.20 cluster in
     * the 2.2 build).
     */
    static StandaloneCluster configure(Path home, Map<String, String> settings, Path buildDir, String runtime)
            throws IOException {
        int restPort = freePort();
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("jobmanager.rpc.address", "localhost");
        conf.put("jobmanager.rpc.port", String.valueOf(freePort()));
        conf.put("jobmanager.bind-host", "localhost");
        conf.put("taskmanager.host", "localhost");
        conf.put("taskmanager.bind-host", "localhost");
        conf.put("rest.address", "localhost");
        conf.put("rest.bind-address", "localhost");
        conf.put("rest.port", String.valueOf(restPort));
        conf.put("jobmanager.memory.process.size", "1g");
        // TaskManagerRunner started without flink-daemon.sh gets no sizes computed by BashJavaUtils:
        // it needs every component it cannot derive set explicitly.
        conf.put("taskmanager.cpu.cores", "2");
        conf.put("taskmanager.memory.framework.heap.size", "64m");
        conf.put("taskmanager.memory.task.heap.size", "256m");
        conf.put("taskmanager.memory.framework.off-heap.size", "64m");
        conf.put("taskmanager.memory.task.off-heap.size", "0m");
        conf.put("taskmanager.memory.network.min", "64m");
        conf.put("taskmanager.memory.network.max", "64m");
        conf.put("taskmanager.memory.managed.size", "64m");
        conf.put("taskmanager.memory.jvm-metaspace.size", "128m");
        conf.put("taskmanager.memory.jvm-overhead.min", "64m");
        conf.put("taskmanager.memory.jvm-overhead.max", "64m");
        conf.put("taskmanager.numberOfTaskSlots", "2");
        conf.put("parallelism.default", "2");
        // A killed TaskManager cannot clean up: keep its spill, shuffle and blob files under target/.
        conf.put("io.tmp.dirs", home.resolve("tmp").toString());
        conf.putAll(settings);

        Path confDir = Files.createDirectories(home.resolve("conf"));
        Files.writeString(confDir.resolve("config.yaml"), conf.entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining("\n", "", "\n")));
        Files.writeString(confDir.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.out.ref = out",
                "appender.out.type = Console",
                "appender.out.name = out",
                "appender.out.layout.type = PatternLayout",
                "appender.out.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                "logger.pekko.name = org.apache.pekko",
                "logger.pekko.level = WARN",
                "") );
        Files.createDirectories(home.resolve("log"));
        Files.createDirectories(home.resolve("tmp"));
        Path plugins = buildDir.resolve("flink-plugins-" + runtime);
        return new StandaloneCluster(home, restPort, distributionClasspath(buildDir, plugins), plugins);
    }

    /** What a distribution's lib/ holds, and nothing of the project or its tests. */
    private static String distributionClasspath(Path buildDir, Path plugins) throws IOException {
        Path listed = buildDir.resolve("flink-lib.classpath");
        if (!Files.exists(listed) || !Files.isDirectory(plugins.resolve("s3-fs-hadoop"))) {
            throw new IllegalStateException("run through Maven (mvn verify): " + listed + " and " + plugins
                    + " come from maven-dependency-plugin");
        }
        List<String> entries = new ArrayList<>(List.of(Files.readString(listed).trim().split(java.io.File.pathSeparator)));
        try (Stream<Path> logging = Files.list(buildDir.resolve("flink-lib"))) {
            logging.map(Path::toString).sorted().forEach(entries::add);
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** This build's Flink version (the pom writes one plugins/ folder per runtime). */
    private static String runtime() {
        String runtime = System.getProperty("flink.runtime");
        if (runtime == null || runtime.isBlank()) {
            throw new IllegalStateException("system property flink.runtime is missing (set by failsafe from the pom)");
        }
        return runtime;
    }

    int restPort() {
        return restPort;
    }

    void startJobManager() throws IOException {
        start("jobmanager", JOB_MANAGER);
    }

    /** Starts a TaskManager JVM named {@code name} (also its resource id, so the REST API shows which one). */
    void startTaskManager(String name) throws IOException {
        start(name, TASK_MANAGER, "-D", "taskmanager.resource-id=" + name);
    }

    /** SIGKILL, as when a node dies: no shutdown hooks, no goodbye to the JobManager. */
    void kill(String name) throws InterruptedException {
        Process process = processes.get(name);
        process.destroyForcibly();
        process.waitFor();
    }

    Path log(String name) {
        return home.resolve("log").resolve(name + ".log");
    }

    /** The last lines of every process's log, for a failure message. */
    String logTails(int lines) {
        StringBuilder out = new StringBuilder();
        for (String name : processes.keySet()) {
            try {
                List<String> all = Files.readAllLines(log(name), StandardCharsets.UTF_8);
                out.append("\n===== ").append(name).append(" (").append(log(name)).append(") =====\n");
                all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> out.append(l).append('\n'));
            } catch (IOException e) {
                out.append("\n===== ").append(name).append(": ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    private void start(String name, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-XX:MaxDirectMemorySize=256m");
        command.addAll(List.of(javaOpens().trim().split("\\s+")));
        command.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        command.add("-Dlog.file=" + log(name));
        command.add("-Djava.io.tmpdir=" + home.resolve("tmp"));
        command.add("-classpath");
        command.add(classpath);
        command.add(mainClass);
        command.add("--configDir");
        command.add(confDir.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log(name).toFile());
        builder.environment().put("FLINK_PLUGINS_DIR", pluginsDir.toString());
        builder.environment().put("FLINK_CONF_DIR", confDir.toString());
        processes.put(name, builder.start());
    }

    /** Flink 1.20 on Java 17 needs the opens its scripts pass; failsafe hands over pom's set. */
    private static String javaOpens() {
        String opens = System.getProperty("flink.java17.opens");
        if (opens == null || opens.isBlank()) {
            throw new IllegalStateException("system property flink.java17.opens is missing (set by failsafe from the pom)");
        }
        return opens;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Kills every JVM it started; a test that fails halfway leaves no Flink processes behind. */
    @Override
    public void close() {
        for (Process process : processes.values()) {
            process.destroyForcibly();
        }
        for (Process process : processes.values()) {
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
