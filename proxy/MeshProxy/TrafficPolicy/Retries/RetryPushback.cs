using System.Globalization;
using MeshProxy.Upstream;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// The server's <c>grpc-retry-pushback-ms</c> (gRPC A6, "Pushback"): a non-negative integer is the exact delay before
/// the next attempt, replacing the backoff; a negative or malformed value means "do not retry".
/// </summary>
internal static class RetryPushback
{
    public const string Header = "grpc-retry-pushback-ms";

    /// <summary>None when the header is absent, Delay with its value, or Stop.</summary>
    public static (PushbackKind Kind, TimeSpan Delay) Read(HttpResponseMessage response)
    {
        if (UpstreamResponseFields.First(response, Header) is not { } first)
        {
            return (PushbackKind.None, TimeSpan.Zero);
        }

        return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? (PushbackKind.Delay, TimeSpan.FromMilliseconds(ms))
            : (PushbackKind.Stop, TimeSpan.Zero);
    }
}
