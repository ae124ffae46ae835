using System.Diagnostics.CodeAnalysis;

namespace MeshProxy.Configuration;

/// <summary>The config file's names of <see cref="RetryOn"/> (Envoy's x-envoy-retry-grpc-on vocabulary), exact and case-sensitive.</summary>
internal static class RetryOnNames
{
    public const string Supported = "cancelled, deadline-exceeded, internal, resource-exhausted, unavailable, connect-failure, refused-stream, reset";

    public static bool TryParse(string name, [NotNullWhen(true)] out RetryOn? value)
    {
        value = name switch
        {
            "cancelled" => RetryOn.Cancelled,
            "deadline-exceeded" => RetryOn.DeadlineExceeded,
            "internal" => RetryOn.Internal,
            "resource-exhausted" => RetryOn.ResourceExhausted,
            "unavailable" => RetryOn.Unavailable,
            "connect-failure" => RetryOn.ConnectFailure,
            "refused-stream" => RetryOn.RefusedStream,
            "reset" => RetryOn.Reset,
            _ => null,
        };
        return value is not null;
    }

    /// <summary>The flags of the valid names; unknown names are the validator's business and are skipped here.</summary>
    public static RetryOn Parse(IEnumerable<string> names)
    {
        var result = RetryOn.None;
        foreach (var name in names)
        {
            if (TryParse(name, out var value))
            {
                result |= value.Value;
            }
        }

        return result;
    }
}
