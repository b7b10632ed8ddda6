package dev.eksaudit.bridge;

import dev.eksaudit.bridge.decode.FirehoseFixtures;
import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sample objects the README's run command reads: Falco's own audit fixtures written as a
 * Firehose delivery stream would, one object per layout. Regenerate with
 * {@code mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.eksaudit.bridge.SampleObjects}.
 */
public final class SampleObjects {
    static final Path DIR = Path.of("samples");
    static final Instant FIRST_ARRIVAL = Instant.parse("2026-11-26T15:02:11Z");

    private SampleObjects() {}

    /** Relative path under samples/ to body, in a stable order. */
    static Map<String, byte[]> generate() {
        List<String> events = FirehoseFixtures.corpusEvents();
        Layout[] layouts = Layout.values();
        Map<String, byte[]> out = new LinkedHashMap<>();
        int per = (events.size() + layouts.length - 1) / layouts.length;
        for (int i = 0; i < layouts.length; i++) {
            List<String> part = new ArrayList<>(events.subList(Math.min(i * per, events.size()),
                    Math.min((i + 1) * per, events.size())));
            Instant arrival = FIRST_ARRIVAL.plusSeconds(i * 300L);
            out.put(FirehoseFixtures.objectKey("eks-audit/", arrival, layouts[i]),
                    FirehoseFixtures.object(layouts[i], part));
        }
        return out;
    }

    public static void main(String[] args) throws IOException {
        for (Map.Entry<String, byte[]> e : generate().entrySet()) {
            Path file = DIR.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.write(file, e.getValue());
            System.out.println(file + " " + e.getValue().length + " bytes");
        }
    }
}
