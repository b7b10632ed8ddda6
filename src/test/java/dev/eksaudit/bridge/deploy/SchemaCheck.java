package dev.eksaudit.bridge.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The part of Kubernetes' structural-schema validation a manifest typo hits: unknown fields,
 * wrong scalar types, values outside an enum. Enough to fail CI where the API server would refuse
 * the FlinkDeployment (or, worse, prune a misspelt field silently).
 */
final class SchemaCheck {

    private SchemaCheck() {}

    static void check(String path, JsonNode value, JsonNode schema, List<String> errors) {
        if (schema == null || schema.isMissingNode()) {
            return;
        }
        if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            return;
        }
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!value.isTextual() && !value.isIntegralNumber()) {
                errors.add(path + ": expected integer or string, got " + value.getNodeType());
            }
            return;
        }
        if (schema.has("enum")) {
            boolean allowed = false;
            for (JsonNode e : schema.get("enum")) {
                allowed |= e.asText().equals(value.asText());
            }
            if (!allowed) {
                errors.add(path + ": '" + value.asText() + "' not one of " + schema.get("enum"));
            }
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object":
                if (!value.isObject()) {
                    errors.add(path + ": expected object, got " + value.getNodeType());
                    return;
                }
                JsonNode properties = schema.get("properties");
                JsonNode additional = schema.get("additionalProperties");
                for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    String child = path + "." + field.getKey();
                    if (properties != null && properties.has(field.getKey())) {
                        check(child, field.getValue(), properties.get(field.getKey()), errors);
                    } else if (additional != null && additional.isObject()) {
                        check(child, field.getValue(), additional, errors);
                    } else if (properties != null) {
                        errors.add(child + ": not in the schema");
                    }
                }
                return;
            case "array":
                if (!value.isArray()) {
                    errors.add(path + ": expected array, got " + value.getNodeType());
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    check(path + "[" + i + "]", value.get(i), schema.get("items"), errors);
                }
                return;
            case "string":
                expect(value.isTextual(), path, type, value, errors);
                return;
            case "integer":
                expect(value.isIntegralNumber(), path, type, value, errors);
                return;
            case "number":
                expect(value.isNumber(), path, type, value, errors);
                return;
            case "boolean":
                expect(value.isBoolean(), path, type, value, errors);
                return;
            default:
                return;
        }
    }

    private static void expect(boolean ok, String path, String type, JsonNode value, List<String> errors) {
        if (!ok) {
            errors.add(path + ": expected " + type + ", got " + value.getNodeType());
        }
    }
}
