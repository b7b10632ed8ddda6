package dev.eksaudit.bridge.validate;

/**
 * The outcome of one setup check: its name, whether it passed, and one line saying what was found
 * (a path, a status, a cause; never a payload, credential or header value).
 */
public final class CheckResult {

    /** What a check found. */
    public enum Status { PASSED, FAILED, SKIPPED }

    private final String name;
    private final Status status;
    private final String detail;

    private CheckResult(String name, Status status, String detail) {
        this.name = name;
        this.status = status;
        this.detail = detail.replace('\n', ' ').replace('\r', ' ');
    }

    public static CheckResult passed(String name, String detail) {
        return new CheckResult(name, Status.PASSED, detail);
    }

    public static CheckResult failed(String name, String detail) {
        return new CheckResult(name, Status.FAILED, detail);
    }

    /** Nothing to check (e.g. no {@code dlq.path} configured): neither passed nor failed. */
    public static CheckResult skipped(String name, String detail) {
        return new CheckResult(name, Status.SKIPPED, detail);
    }

    public String name() {
        return name;
    }

    public Status status() {
        return status;
    }

    public boolean failed() {
        return status == Status.FAILED;
    }

    /** What was found, one line. */
    public String detail() {
        return detail;
    }

    /** The line {@code --validate} prints, e.g. {@code FAIL  dead letters: s3://b/dlq/ cannot be written (AccessDenied)}. */
    public String line() {
        String word = status == Status.PASSED ? "ok  " : status == Status.FAILED ? "FAIL" : "skip";
        return word + "  " + name + ": " + detail;
    }

    @Override
    public String toString() {
        return line();
    }
}
