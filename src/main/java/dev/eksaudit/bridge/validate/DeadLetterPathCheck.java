package dev.eksaudit.bridge.validate;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/** {@code dlq.path} can be written: a small probe file created through Flink's FileSystem, then removed. */
final class DeadLetterPathCheck {

    static final String NAME = "dead letters";

    private DeadLetterPathCheck() {}

    static CheckResult check(String dlqPath) {
        if (dlqPath == null) {
            return CheckResult.skipped(NAME, "dlq.path is not set: dead letters are counted and logged, not written");
        }
        Path probe;
        try {
            probe = writeProbe(dlqPath);
        } catch (IOException | RuntimeException e) {
            return CheckResult.failed(NAME, "cannot write under " + dlqPath + ": " + FailureDetail.of(e));
        }
        try {
            probe.getFileSystem().delete(probe, false);
            return CheckResult.passed(NAME, "wrote and removed a probe file under " + dlqPath);
        } catch (IOException | RuntimeException e) {
            // The job never deletes dead letters, so a policy without delete is right: still a pass.
            return CheckResult.passed(NAME, "wrote " + probe + " (not removed: " + FailureDetail.of(e) + ")");
        }
    }

    /** Creates a small probe file in {@code dir} through Flink's FileSystem; its path. */
    static Path writeProbe(String dir) throws IOException {
        // A leading '.' keeps the probe out of anything that lists the folder the way Flink does.
        Path probe = new Path(new Path(dir), ".eks-audit-bridge-validate-" + UUID.randomUUID());
        FileSystem fs = probe.getFileSystem();
        try (OutputStream out = fs.create(probe, FileSystem.WriteMode.NO_OVERWRITE)) {
            out.write("eks-audit-bridge --validate probe\n".getBytes(StandardCharsets.UTF_8));
        }
        return probe;
    }
}
