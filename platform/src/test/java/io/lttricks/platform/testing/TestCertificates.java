package io.lttricks.platform.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority and certificates made at test time (nothing checked in, nothing from the
 * network): PEM files for gRPC and Kafka, a PKCS#12 key store for servers that want one.
 */
public final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A certificate with its key, as PEM (the key PKCS#8, unencrypted). */
    public record Issued(X509Certificate certificate, PrivateKey key, X509Certificate issuer) {
        public String certificatePem() {
            return pem(certificate);
        }

        public String keyPem() {
            try {
                return pem(new JcaPKCS8Generator(key, null).generate());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** Writes NAME.crt (the certificate) and NAME.key (its key) into {@code dir}; returns {crt, key}. */
        public Path[] write(Path dir, String name) throws IOException {
            Files.createDirectories(dir);
            Path crt = Files.writeString(dir.resolve(name + ".crt"), certificatePem());
            Path k = Files.writeString(dir.resolve(name + ".key"), keyPem());
            return new Path[] {crt, k};
        }

        /** A PKCS#12 key store holding the key and the chain (alias "server"). */
        public Path writePkcs12(Path file, String password) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", key, password.toCharArray(), new Certificate[] {certificate, issuer});
            try (var out = Files.newOutputStream(file)) {
                ks.store(out, password.toCharArray());
            }
            return file;
        }
    }

    /** A CA: its own certificate and key. */
    public static final class Ca {
        private final KeyPair keys;
        private final X509Certificate certificate;
        private final X500Name name;

        private Ca(String cn) throws Exception {
            this.keys = keyPair();
            this.name = new X500Name("CN=" + cn);
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), from(), until(), name,
                    keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            this.certificate = sign(b, keys.getPrivate());
        }

        public X509Certificate certificate() {
            return certificate;
        }

        public String pem() {
            return TestCertificates.pem(certificate);
        }

        /** Writes the CA certificate as PEM. */
        public Path write(Path file) throws IOException {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.writeString(file, pem());
        }

        /** A server certificate for {@code hosts} (DNS names or IP addresses). */
        public Issued server(String cn, String... hosts) throws Exception {
            return issue(cn, KeyPurposeId.id_kp_serverAuth, hosts);
        }

        /** A client certificate (for mutual TLS). */
        public Issued client(String cn) throws Exception {
            return issue(cn, KeyPurposeId.id_kp_clientAuth);
        }

        private Issued issue(String cn, KeyPurposeId purpose, String... hosts) throws Exception {
            KeyPair kp = keyPair();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), from(), until(),
                    new X500Name("CN=" + cn), kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            if (hosts.length > 0) {
                List<GeneralName> names = new ArrayList<>();
                for (String h : hosts) {
                    names.add(new GeneralName(h.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress : GeneralName.dNSName, h));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            return new Issued(sign(b, keys.getPrivate()), kp.getPrivate(), certificate);
        }
    }

    private TestCertificates() {
    }

    /** A new CA named {@code cn}. */
    public static Ca ca(String cn) throws Exception {
        return new Ca(cn);
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static Date from() {
        return new Date(System.currentTimeMillis() - 3_600_000L);
    }

    private static Date until() {
        return new Date(System.currentTimeMillis() + 86_400_000L);
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private static String pem(Object o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }
}
