namespace MeshProxy.FunctionalTests.Interop;

/// <summary>The gRPC implementation behind the sidecar in an interop pairing.</summary>
public enum ServerKind
{
    /// <summary>@grpc/grpc-js: tests/node/interop/server.js.</summary>
    GrpcJs,

    /// <summary>grpc-dotnet: Grpc.AspNetCore hosting <see cref="InteropUserService"/> and <see cref="InteropPaymentService"/>.</summary>
    GrpcDotnet,
}
