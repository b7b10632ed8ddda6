package dev.eksaudit.bridge.falco;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksaudit.bridge.decode.AuditEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Audit events and dead-letter files for the Falco sink tests. */
final class FalcoTestEvents {

    static final ObjectMapper JSON = new ObjectMapper();

    /** {@code n} distinct events of roughly {@code padBytes} bytes each. */
    static List<AuditEvent> events(int n, int padBytes) {
        List<AuditEvent> out = new ArrayList<>(n);
        String pad = "x".repeat(Math.max(0, padBytes));
        for (int i = 0; i < n; i++) {
            String id = new UUID(0xfa1c0L, i).toString();
            String stage = i % 2 == 0 ? "ResponseComplete" : "RequestReceived";
            String json = "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\""
                    + id + "\",\"stage\":\"" + stage + "\",\"requestURI\":\"/api/v1/namespaces/default/pods\","
                    + "\"verb\":\"list\",\"stageTimestamp\":\"2026-11-26T10:00:00.123456Z\",\"annotations\":{\"pad\":\""
                    + pad + "\"}}";
            out.add(new AuditEvent(id, stage, 1_795_000_000_000L + i, "2026/11/26/10/object-" + (i / 100),
                    json.getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    static List<String> keys(List<AuditEvent> events) {
        return events.stream().map(e -> e.auditId + "/" + e.stage).collect(Collectors.toList());
    }

    /** Every line of every {@code .jsonl} file under {@code <dlq>/falco}. */
    static List<JsonNode> deadLetters(Path dlq) {
        Path dir = dlq.resolve("falco");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).collect(Collectors.toList())) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        out.add(JSON.readTree(line));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static String key(JsonNode event) {
        return event.path("auditID").asText() + "/" + event.path("stage").asText();
    }

    private FalcoTestEvents() {}
}
