package dev.eksaudit.bridge.falco;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.flink.core.fs.Path;

/**
 * The SSLContext for https URLs: JVM trust store, a PEM CA file instead (local or {@code s3://},
 * read once at start through Flink's file systems), or (testing) no checks.
 */
final class FalcoTls {

    static SSLContext context(String caFile, boolean insecure) throws IOException {
        try {
            TrustManager[] trust;
            if (insecure) {
                trust = new TrustManager[] {new TrustAll()};
            } else {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                // null: the JVM's own trust store (cacerts or javax.net.ssl.trustStore).
                tmf.init(caFile == null ? null : caKeyStore(caFile));
                trust = tmf.getTrustManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trust, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("falco.tls: cannot set up TLS: " + e.getMessage(), e);
        }
    }

    static KeyStore caKeyStore(String pem) throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> certs;
        Path path = new Path(pem);
        try (InputStream in = path.getFileSystem().open(path)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (GeneralSecurityException e) {
            throw new IOException("falco.tls.ca-file " + pem + ": not PEM certificates: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IOException("falco.tls.ca-file " + pem + ": cannot read it: " + e.getMessage(), e);
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

    /**
     * Accepts any certificate: only for falco.tls.insecure-skip-verify. Extended, so JSSE uses it
     * as it is instead of wrapping it in a manager that checks the host name after all.
     */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    private FalcoTls() {}
}
