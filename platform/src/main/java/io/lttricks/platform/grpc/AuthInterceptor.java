package io.lttricks.platform.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.util.Set;

/**
 * Bearer-token authentication of every call ({@code authorization: Bearer TOKEN}): UNAUTHENTICATED
 * without a token or with one that is not accepted, PERMISSION_DENIED when a read-only token calls
 * a method that changes something. Health checking is open, so that Kubernetes probes (which carry
 * no token) work. The token is never logged or echoed.
 */
final class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<String> READ_METHODS = Set.of("List", "Watch", "Results", "SamplingPlan", "Predict");

    private final GrpcSecurity security;

    AuthInterceptor(GrpcSecurity security) {
        this.security = security;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String service = call.getMethodDescriptor().getServiceName();
        if (HealthGrpc.SERVICE_NAME.equals(service)) {
            return next.startCall(call, headers);
        }
        String header = headers.get(AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return refuse(call, Status.UNAUTHENTICATED.withDescription(
                    "this server needs a bearer token (authorization: Bearer TOKEN; lt: --token or LT_TOKEN)"));
        }
        GrpcSecurity.Role role = security.roleOf(header.substring(7).trim());
        if (role == null) {
            return refuse(call, Status.UNAUTHENTICATED.withDescription("the bearer token is not accepted by this server"));
        }
        if (role == GrpcSecurity.Role.READ && !isRead(call.getMethodDescriptor().getBareMethodName(), service)) {
            return refuse(call, Status.PERMISSION_DENIED.withDescription("this token may only read (Get, List, Watch,"
                    + " Results, Predict); " + call.getMethodDescriptor().getFullMethodName() + " needs a token with role 'all'"));
        }
        return io.grpc.Contexts.interceptCall(io.grpc.Context.current().withValue(GrpcSecurity.CALLER_ROLE, role),
                call, headers, next);
    }

    /**
     * Methods that change nothing: Get*, List, Watch, Results, SamplingPlan, Predict (it computes,
     * and writes nothing), and server reflection.
     */
    static boolean isRead(String method, String service) {
        if (service != null && service.startsWith("grpc.reflection.")) {
            return true;
        }
        return method != null && (method.startsWith("Get") || READ_METHODS.contains(method));
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
