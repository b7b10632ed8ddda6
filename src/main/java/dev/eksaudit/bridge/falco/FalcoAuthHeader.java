package dev.eksaudit.bridge.falco;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

/**
 * The header from {@code falco.auth.header-file}: one {@code Name: value} line, re-read when the
 * file's modification time changes so a rotated token is picked up without a restart. The value is
 * a secret: it never appears in a message or log.
 */
final class FalcoAuthHeader {

    private final Path file;
    private FileTime readAt;
    private String name;
    private String value;

    FalcoAuthHeader(String file) {
        this.file = Path.of(file);
    }

    /** {name, value}. */
    synchronized String[] current() throws IOException {
        FileTime mtime = Files.getLastModifiedTime(file);
        if (readAt == null || !readAt.equals(mtime)) {
            parse(Files.readAllLines(file, StandardCharsets.UTF_8));
            readAt = mtime;
        }
        return new String[] {name, value};
    }

    private void parse(List<String> lines) throws IOException {
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            String n = colon < 0 ? "" : line.substring(0, colon).trim();
            if (n.isEmpty() || !n.chars().allMatch(c -> c > 32 && c < 127)) {
                // Says where, never what: the line may be the secret itself.
                throw new IOException("falco.auth.header-file " + file + ": first line is not 'Name: value'");
            }
            name = n;
            value = line.substring(colon + 1).trim();
            return;
        }
        throw new IOException("falco.auth.header-file " + file + ": no 'Name: value' line");
    }
}
