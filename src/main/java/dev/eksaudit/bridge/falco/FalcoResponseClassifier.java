package dev.eksaudit.bridge.falco;

import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Decides what one POST's outcome means, as a chain of small rules tried in order (the shape of
 * flink-connector-aws's fatal-exception classifier chain): the first rule that recognises the
 * outcome wins; what no rule recognises is held as an endpoint problem, because an answer we do not
 * understand must never cost events.
 *
 * <p>The point of the split between {@link Verdict#ENDPOINT_FAILING} and {@link Verdict#REJECTED}:
 * only an answer that can depend on the events in the body may ever lead to a dead letter. A 401
 * during a token rotation or a 404 after an ingress change says the endpoint is wrong, for every
 * event alike.
 */
final class FalcoResponseClassifier {

    /** What the writer does with an outcome. */
    enum Verdict {
        /** 2xx: done. */
        DELIVERED,
        /** Timeouts, refused or reset connections, 408, 429, 5xx: back off and retry (counts attempts). */
        RETRY,
        /** The endpoint is wrong (auth, path, method, proxy auth, TLS): retry forever, alert, never dead-letter. */
        ENDPOINT_FAILING,
        /** May depend on the body (400, 403, 413, 422): split until the rejected events stand alone. */
        REJECTED
    }

    /** One link of the chain: a verdict, or null to pass the outcome on. */
    interface Rule {
        Verdict classify(FalcoHttpClient.Result result);
    }

    static final Set<Integer> TRANSIENT_STATUSES = Set.of(408, 429);
    static final Set<Integer> ENDPOINT_STATUSES = Set.of(401, 404, 405, 407);
    static final Set<Integer> PAYLOAD_STATUSES = Set.of(400, 403, 413, 422);

    /** The bridge's chain. */
    static final FalcoResponseClassifier DEFAULT = createChain(
            r -> r.error == null && r.status >= 200 && r.status < 300 ? Verdict.DELIVERED : null,
            // Before the generic error rule: a handshake failure (untrusted CA, wrong host name) does
            // not clear by retrying soon, but it clears when someone fixes the certificate.
            r -> hasCause(r.error, SSLHandshakeException.class) || hasCause(r.error, SSLPeerUnverifiedException.class)
                    ? Verdict.ENDPOINT_FAILING : null,
            r -> r.error != null ? Verdict.RETRY : null,
            r -> TRANSIENT_STATUSES.contains(r.status) || r.status >= 500 ? Verdict.RETRY : null,
            r -> ENDPOINT_STATUSES.contains(r.status) ? Verdict.ENDPOINT_FAILING : null,
            // Falco's own 400 for a missing Content-Type is about the request, not its events.
            r -> r.status == 400 && r.bodyExcerpt.contains("wrong Content Type") ? Verdict.ENDPOINT_FAILING : null,
            r -> PAYLOAD_STATUSES.contains(r.status) ? Verdict.REJECTED : null);

    private final List<Rule> chain;

    private FalcoResponseClassifier(List<Rule> chain) {
        this.chain = chain;
    }

    static FalcoResponseClassifier createChain(Rule... rules) {
        return new FalcoResponseClassifier(List.of(rules));
    }

    Verdict classify(FalcoHttpClient.Result result) {
        for (Rule rule : chain) {
            Verdict v = rule.classify(result);
            if (v != null) {
                return v;
            }
        }
        // 3xx (redirects are not followed), 410, 415, ...: configuration, not content.
        return Verdict.ENDPOINT_FAILING;
    }

    private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
