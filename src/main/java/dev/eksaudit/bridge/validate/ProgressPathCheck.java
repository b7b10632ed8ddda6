package dev.eksaudit.bridge.validate;

import java.io.IOException;
import org.apache.flink.core.fs.Path;

/**
 * {@code input.progress-path} can take the progress records: a probe file written and deleted (the
 * job writes a record at every checkpoint and deletes old ones), so a missing permission shows now,
 * not as ERROR lines once a migration needs the records.
 */
final class ProgressPathCheck {

    static final String NAME = "progress records";

    private ProgressPathCheck() {}

    static CheckResult check(String progressPath) {
        Path probe;
        try {
            probe = DeadLetterPathCheck.writeProbe(progressPath);
        } catch (IOException | RuntimeException e) {
            return CheckResult.failed(NAME, "cannot write under " + progressPath + ": " + FailureDetail.of(e)
                    + " (input.progress-path)");
        }
        try {
            probe.getFileSystem().delete(probe, false);
            return CheckResult.passed(NAME, "wrote and removed a probe file under " + progressPath);
        } catch (IOException | RuntimeException e) {
            return CheckResult.failed(NAME, "wrote " + probe + " but cannot delete it: " + FailureDetail.of(e)
                    + "; old records would pile up (input.progress-path needs delete too)");
        }
    }
}
