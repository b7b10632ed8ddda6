package dev.eksaudit.bridge.validate;

import dev.eksaudit.bridge.decode.StorageError;
import dev.eksaudit.bridge.source.FirehoseFileFilter;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * {@code input.path} through Flink's FileSystem, as the job reads it: listing it proves the
 * credentials, the LIST permission, the bucket and the endpoint/region; reading the first bytes of
 * the newest object (if there is one) proves GET permission and, with SSE-KMS, the key policy.
 */
final class InputPathCheck {

    static final String NAME = "input";
    /** Folders a Firehose layout nests objects in (yyyy/MM/dd/HH), with a margin. */
    private static final int MAX_DEPTH = 6;
    private static final int PROBE_BYTES = 64;
    private static final FirehoseFileFilter FILTER = new FirehoseFileFilter();

    private InputPathCheck() {}

    static CheckResult check(String input) {
        // A custom Firehose prefix (.../year=!{timestamp:yyyy}/...) is listed from its fixed part.
        int pattern = input.indexOf("!{");
        String inputPath = pattern < 0 ? input : input.substring(0, input.lastIndexOf('/', pattern) + 1);
        Path root = new Path(inputPath);
        FileSystem fs;
        FileStatus[] top;
        try {
            fs = root.getFileSystem();
            top = fs.listStatus(root);
            if (top == null && !fs.exists(root)) {
                throw new FileNotFoundException(inputPath); // the local file system answers null
            }
        } catch (IOException | RuntimeException e) {
            if (StorageError.classify(e).noSuchBucket()) {
                return CheckResult.failed(NAME, "cannot list " + inputPath + ": no such bucket (" + FailureDetail.of(e) + ")");
            }
            if (!(e instanceof FileNotFoundException)) {
                return CheckResult.failed(NAME, "cannot list " + inputPath + ": " + FailureDetail.of(e));
            }
            if ("file".equals(root.toUri().getScheme())) {
                return CheckResult.failed(NAME, inputPath + " does not exist");
            }
            // S3 has no folders: an existing bucket with nothing under the prefix yet is fine.
            return CheckResult.passed(NAME, "listed " + inputPath + ": no objects yet");
        }
        Optional<FileStatus> newest;
        try {
            newest = newestObject(fs, top == null ? new FileStatus[0] : top, 1);
        } catch (IOException | RuntimeException e) {
            return CheckResult.failed(NAME, "listed " + inputPath + " but not the folders below it: " + FailureDetail.of(e));
        }
        if (newest.isEmpty()) {
            return CheckResult.passed(NAME, "listed " + inputPath + ": no objects yet");
        }
        Path object = newest.get().getPath();
        try (InputStream in = fs.open(object)) {
            int n = in.readNBytes(new byte[PROBE_BYTES], 0, PROBE_BYTES);
            return CheckResult.passed(NAME, "listed " + inputPath + "; read the first " + n + " bytes of " + object);
        } catch (IOException | RuntimeException e) {
            return CheckResult.failed(NAME, "listed " + inputPath + " but cannot read " + object + ": " + FailureDetail.of(e));
        }
    }

    /** Depth first into the newest folder (Firehose's folders sort by time), skipping error folders. */
    private static Optional<FileStatus> newestObject(FileSystem fs, FileStatus[] entries, int depth) throws IOException {
        FileStatus[] sorted = Arrays.stream(entries).filter(s -> FILTER.test(s.getPath()))
                .sorted(Comparator.comparing((FileStatus s) -> s.getPath().getName()).reversed())
                .toArray(FileStatus[]::new);
        for (FileStatus entry : sorted) {
            if (!entry.isDir()) {
                return Optional.of(entry);
            }
        }
        if (depth >= MAX_DEPTH) {
            return Optional.empty();
        }
        for (FileStatus entry : sorted) {
            FileStatus[] below;
            try {
                below = fs.listStatus(entry.getPath());
            } catch (FileNotFoundException e) {
                continue;
            }
            Optional<FileStatus> found = newestObject(fs, below == null ? new FileStatus[0] : below, depth + 1);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }
}
