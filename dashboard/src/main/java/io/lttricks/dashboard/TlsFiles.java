package io.lttricks.dashboard;

import io.lttricks.platform.grpc.GrpcSecurity;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import javax.net.ssl.SSLContext;

/** The JDK TLS context of the gRPC server's certificate, key and client CA (PEM files), for HTTPS. */
final class TlsFiles {
    private TlsFiles() {
    }

    static SSLContext context(GrpcSecurity security) throws IOException {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(security.tlsCert().toFile(), security.tlsKey().toFile())
                    .sslProvider(SslProvider.JDK);
            if (security.clientCa() != null) {
                b.trustManager(security.clientCa().toFile()).clientAuth(ClientAuth.REQUIRE);
            }
            SslContext ctx = b.build();
            return ((JdkSslContext) ctx).context();
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot load the TLS files of the dashboard (the gRPC server's: "
                    + GrpcSecurity.TLS_CERT + ", " + GrpcSecurity.TLS_KEY
                    + (security.clientCa() != null ? ", " + GrpcSecurity.TLS_CLIENT_CA : "")
                    + "; the key must be PKCS#8 PEM, 'BEGIN PRIVATE KEY'): " + e.getMessage(), e);
        }
    }
}
