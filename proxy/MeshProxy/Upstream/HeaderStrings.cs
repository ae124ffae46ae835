using System.Text;

namespace MeshProxy.Upstream;

/// <summary>
/// Strings for decoded response fields: the names and values every gRPC response repeats come from a fixed set, so a
/// call allocates strings only for what is its own (a message, metadata).
/// </summary>
internal static class HeaderStrings
{
    private static readonly string[] Names =
    [
        "content-type", "grpc-status", "grpc-message", "grpc-encoding", "grpc-accept-encoding", "date", "server",
        "content-length", "grpc-status-details-bin", "grpc-retry-pushback-ms", "vary", "cache-control", "x-request-id",
    ];

    private static readonly string[] Values = ["application/grpc", "0", "identity", "Kestrel", "gzip", "identity,gzip", "identity,deflate,gzip"];

    public static string Name(ReadOnlySpan<byte> name) => Lookup(Names, name) ?? Encoding.ASCII.GetString(name);

    // Field values are octets (RFC 9110 §5.5); Latin-1 keeps each byte as one char, as SocketsHttpHandler does.
    public static string Value(ReadOnlySpan<byte> value) => Lookup(Values, value) ?? Encoding.Latin1.GetString(value);

    private static string? Lookup(string[] known, ReadOnlySpan<byte> bytes)
    {
        foreach (var candidate in known)
        {
            if (candidate.Length == bytes.Length && Ascii.Equals(bytes, candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
