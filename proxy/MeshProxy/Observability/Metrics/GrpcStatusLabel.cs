using MeshProxy.Grpc;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// The <c>grpc_status</c> label: the canonical code names of grpc/grpc doc/statuscodes.md ("OK", "UNAVAILABLE"), as
/// Envoy and the gRPC ecosystem's dashboards show them. Strings are cached, and <see cref="Index"/> lets a cache of
/// labelled series be an array, so recording allocates nothing.
/// </summary>
internal static class GrpcStatusLabel
{
    /// <summary>How many label values there are (codes 0-16).</summary>
    public const int Count = 17;

    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    /// <summary>A code outside 0-16 is UNKNOWN, as a gRPC client must read it (statuscodes.md).</summary>
    public static int Index(StatusCode code) => (uint)code < Count ? (int)code : (int)StatusCode.Unknown;

    public static string For(StatusCode code) => Names[Index(code)];

    public static string ForIndex(int index) => Names[index];
}
