package dev.eksaudit.bridge;

import dev.eksaudit.bridge.config.ConfigException;

import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where the job runs: the cluster that submitted it, or an embedded Flink when started by {@code java}. */
final class JobEnvironment {
    private static final Logger LOG = LoggerFactory.getLogger(JobEnvironment.class);

    static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(30);

    private JobEnvironment() {}

    /**
     * A cluster (CLI, REST, Managed Flink, operator) installs its own environment; without one
     * Flink would hand out a bare local environment, so this loads the same {@code config.yaml} a
     * cluster would and initialises file systems with it, so {@code s3.*} keys work locally too.
     */
    static StreamExecutionEnvironment create() throws Exception {
        if (!startedByJava()) {
            return StreamExecutionEnvironment.getExecutionEnvironment();
        }
        String confDir = System.getenv().getOrDefault("FLINK_CONF_DIR", "flink-conf");
        Configuration conf = GlobalConfiguration.loadConfiguration(confDir);
        // Locally the S3 file system is on the classpath; a plugins folder is used only if there is one.
        boolean plugins = java.nio.file.Files.isDirectory(
                java.nio.file.Path.of(System.getenv().getOrDefault("FLINK_PLUGINS_DIR", "plugins")));
        FileSystem.initialize(conf, plugins ? PluginUtils.createPluginManagerFromRootFolder(conf) : null);
        checkWebUiPortIsFree(conf, confDir);
        LOG.info("Started by java: embedded Flink with settings from {}/config.yaml, web UI on http://localhost:{}/",
                confDir, conf.get(RestOptions.PORT));
        return StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
    }

    /**
     * The embedded Flink does not fail when its web UI port is taken (another Flink, an earlier run
     * still up): it waits forever with nothing in the log. Say so at start instead. A range in
     * rest.bind-port, or port 0, lets Flink choose and is not checked.
     */
    static void checkWebUiPortIsFree(Configuration conf, String confDir) {
        String bind = conf.getOptional(RestOptions.BIND_PORT).orElse(String.valueOf(conf.get(RestOptions.PORT))).trim();
        if (!bind.matches("\\d+") || Integer.parseInt(bind) == 0) {
            return;
        }
        int port = Integer.parseInt(bind);
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress(conf.get(RestOptions.BIND_ADDRESS) == null
                    ? "0.0.0.0" : conf.get(RestOptions.BIND_ADDRESS), port));
        } catch (java.io.IOException e) {
            throw new ConfigException("rest.port: port " + port + " for the local web UI is in use (another Flink, or an "
                    + "earlier run still up): stop it, or set rest.port in " + confDir + "/config.yaml to a free port "
                    + "(0 lets Flink choose)");
        }
    }

    /** True when no cluster installed a context environment, i.e. {@code main} was started by {@code java}. */
    static boolean startedByJava() {
        return StreamExecutionEnvironment.getExecutionEnvironment() instanceof LocalStreamEnvironment;
    }

    /** Exactly-once file tracking needs checkpoints; a Flink configuration that sets them wins. */
    static void ensureCheckpointing(StreamExecutionEnvironment env) {
        if (env.getCheckpointConfig().isCheckpointingEnabled()) {
            return;
        }
        env.enableCheckpointing(DEFAULT_CHECKPOINT_INTERVAL.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        LOG.info("execution.checkpointing.interval is not set: enabled checkpointing every {} s, exactly-once",
                DEFAULT_CHECKPOINT_INTERVAL.toSeconds());
    }

    /**
     * While Falco is down or slow under load, the sink's buffer fills and its {@code write()} waits
     * for room; a checkpoint barrier, aligned or unaligned, is handled only between records, so
     * checkpoints expire until Falco is back. Flink's default (no expired checkpoint tolerated) then
     * fails the job over and everything posted since the last checkpoint is posted again. Waiting
     * is the right thing (nothing is lost, memory stays bounded, the source backs off), so unless
     * the Flink configuration says otherwise, expired or failed checkpoints never fail the job;
     * watch checkpoint age ({@code lastCompletedCheckpointId} not moving) instead.
     */
    static void ensureCheckpointFailureTolerance(StreamExecutionEnvironment env) {
        if (env.getConfiguration().getOptional(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER).isPresent()
                || env.getCheckpointConfig().getTolerableCheckpointFailureNumber() != 0) {
            return;
        }
        env.getCheckpointConfig().setTolerableCheckpointFailureNumber(Integer.MAX_VALUE);
        LOG.info("{} is not set: failed or expired checkpoints do not fail the job (a Falco outage makes "
                + "them expire; the job waits instead of failing over and posting again)",
                CheckpointingOptions.TOLERABLE_FAILURE_NUMBER.key());
    }
}
