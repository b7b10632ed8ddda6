package dev.eksaudit.bridge.falco;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The SSLContext for https URLs: JVM trust store, a PEM CA file instead, or (testing) no checks. */
final class FalcoTls {

    static SSLContext context(String caFile, boolean insecure) throws IOException {
        try {
            TrustManager[] trust;
            if (insecure) {
                trust = new TrustManager[] {new TrustAll()};
            } else {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                // null: the JVM's own trust store (cacerts or javax.net.ssl.trustStore).
                tmf.init(caFile == null ? null : caKeyStore(Path.of(caFile)));
                trust = tmf.getTrustManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trust, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("falco.tls: cannot set up TLS: " + e.getMessage(), e);
        }
    }

    static KeyStore caKeyStore(Path pem) throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(pem)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (GeneralSecurityException e) {
            throw new IOException("falco.tls.ca-file " + pem + ": not PEM certificates: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IOException("falco.tls.ca-file " + pem + ": holds no certificate");
        }
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (Certificate cert : certs) {
            ks.setCertificateEntry("falco-ca-" + i++, cert);
        }
        return ks;
    }

    /** Accepts any certificate: only for falco.tls.insecure-skip-verify. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    private FalcoTls() {}
}
