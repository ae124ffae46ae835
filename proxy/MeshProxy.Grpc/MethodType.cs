namespace MeshProxy.Grpc;

/// <summary>The four kinds of gRPC call, by whether each side streams.</summary>
public enum MethodType
{
    /// <summary>One request, one response.</summary>
    Unary,

    /// <summary>One request, a stream of responses.</summary>
    ServerStreaming,

    /// <summary>A stream of requests, one response.</summary>
    ClientStreaming,

    /// <summary>Both sides stream independently.</summary>
    DuplexStreaming,
}
