package dev.eksaudit.bridge.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes {@code annotations.cluster_name} into an audit event's JSON by splicing bytes at offsets
 * found while the event was validated: one member added to the existing {@code annotations}
 * object, or an {@code annotations} object added before the closing brace. Nothing else of the
 * event is touched or re-encoded, so Falco sees the API server's bytes plus one member.
 */
public final class ClusterTagger {

    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] MEMBER = "\"cluster_name\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OBJECT_START = "\"annotations\":{".getBytes(StandardCharsets.US_ASCII);

    private ClusterTagger() {}

    /**
     * What the validating pass saw of the top-level object: where {@code annotations} is (the
     * first occurrence, which is the one Falco's k8saudit plugin reads), whether it already holds
     * {@code cluster_name}, and where the object closes. Offsets are byte offsets into the event.
     */
    static final class Place {
        int members;
        JsonToken annotations;
        long annotationsAt = -1;
        int annotationMembers;
        boolean hasClusterName;
        /** The existing {@code cluster_name} when it is a string. */
        String clusterName;
        long closeAt = -1;

        /** Called with the parser on the value of each top-level member; walks {@code annotations} only. */
        void member(String field, JsonToken value, JsonParser p) throws IOException {
            members++;
            if (annotations != null || !"annotations".equals(field)) {
                return;
            }
            annotations = value;
            annotationsAt = p.currentTokenLocation().getByteOffset();
            if (value != JsonToken.START_OBJECT) {
                return;
            }
            // Annotations are a handful of short strings: walking them costs next to nothing.
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                annotationMembers++;
                if (!hasClusterName && "cluster_name".equals(name)) {
                    hasClusterName = true;
                    clusterName = v == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                p.skipChildren();
            }
        }

        /** Called with the parser on the top-level object's END_OBJECT. */
        void closed(JsonParser p) {
            closeAt = p.currentTokenLocation().getByteOffset();
        }
    }

    /**
     * The event's {@code annotations.cluster_name} when it is a string, else null (also for JSON
     * that does not parse). Streams the top level; for the rare paths that have only the bytes,
     * such as entries restored from a checkpoint.
     */
    public static String clusterNameOf(byte[] json) {
        Place place = new Place();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                place.member(field, v, p);
                if (place.annotations != null) {
                    return place.clusterName;
                }
                p.skipChildren();
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** {@code name} as a JSON string literal, quotes included, UTF-8. */
    public static byte[] quote(String name) {
        byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(name);
        byte[] out = new byte[escaped.length + 2];
        out[0] = '"';
        System.arraycopy(escaped, 0, out, 1, escaped.length);
        out[out.length - 1] = '"';
        return out;
    }

    /**
     * The event with {@code "cluster_name":<quotedName>} in its annotations, or null when it
     * cannot take one ({@code annotations} is neither an object nor null). The caller checks
     * {@link Place#hasClusterName} first: an existing name is kept.
     */
    static byte[] tag(byte[] json, Place place, byte[] quotedName) {
        Splice splice = Splice.of(place, new Inserts(quotedName));
        return splice == null ? null : splice.apply(json);
    }

    /**
     * Where and what to splice for one event: {@code cut} bytes at {@code at} replaced by
     * {@code insert}. Carried with the event to the sink, which splices while it copies the event
     * into a request body anyway: the decoder's own copy of every tagged event is saved.
     */
    static final class Splice {
        final int at;
        final int cut;
        final byte[] insert;

        private Splice(int at, int cut, byte[] insert) {
            this.at = at;
            this.cut = cut;
            this.insert = insert;
        }

        /** The splice for the place the validator found, or null when annotations cannot take a member. */
        static Splice of(Place place, Inserts inserts) {
            if (place.annotations == JsonToken.START_OBJECT) {
                // {"cluster_name":"x", + existing members  /  {"cluster_name":"x"}
                return new Splice((int) place.annotationsAt + 1, 0,
                        place.annotationMembers > 0 ? inserts.beforeMembers : inserts.alone);
            }
            if (place.annotations == JsonToken.VALUE_NULL) {
                // "annotations":null -> "annotations":{"cluster_name":"x"}
                return new Splice((int) place.annotationsAt, 4, inserts.replacingNull);
            }
            if (place.annotations != null || place.closeAt < 0) {
                return null;
            }
            return new Splice((int) place.closeAt, 0, place.members > 0 ? inserts.afterMembers : inserts.asOnlyMember);
        }

        /** The length of {@code json} once spliced. */
        int length(byte[] json) {
            return json.length - cut + insert.length;
        }

        byte[] apply(byte[] json) {
            return splice(json, at, at + cut, insert);
        }
    }

    /** What a cluster's name inserts, in each of the places it can go; made once per cluster. */
    static final class Inserts {
        final byte[] beforeMembers;
        final byte[] alone;
        final byte[] replacingNull;
        final byte[] afterMembers;
        final byte[] asOnlyMember;

        Inserts(byte[] quotedName) {
            beforeMembers = concat(MEMBER, quotedName, new byte[] {','});
            alone = concat(MEMBER, quotedName);
            replacingNull = concat(new byte[] {'{'}, MEMBER, quotedName, new byte[] {'}'});
            afterMembers = concat(new byte[] {','}, OBJECT_START, MEMBER, quotedName, new byte[] {'}'});
            asOnlyMember = concat(OBJECT_START, MEMBER, quotedName, new byte[] {'}'});
        }

        private static byte[] concat(byte[]... parts) {
            return splice(new byte[0], 0, 0, parts);
        }
    }

    /** {@code json} with bytes {@code [from, to)} replaced by {@code parts}. */
    private static byte[] splice(byte[] json, int from, int to, byte[]... parts) {
        int added = 0;
        for (byte[] part : parts) {
            added += part.length;
        }
        byte[] out = new byte[json.length - (to - from) + added];
        System.arraycopy(json, 0, out, 0, from);
        int pos = from;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, pos, part.length);
            pos += part.length;
        }
        System.arraycopy(json, to, out, pos, json.length - to);
        return out;
    }
}
