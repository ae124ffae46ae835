using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// What a caller observed of one gRPC call through the sidecar, as plain strings so two runs compare with
/// <c>Assert.Equal</c> and a difference prints readably: the HTTP status, grpc-status and grpc-message (from the
/// trailers or a Trailers-Only reply's headers), every other response header and trailer the backend could have sent
/// (the connection-specific ones of <see cref="Ignored"/> left out), the body (hex up to 64 bytes, then its length and
/// SHA-256), and how the stream failed if it did (the RST_STREAM code the caller got, or the exception's type). The
/// sidecar names the cluster in its own errors ("upstream lean unavailable"), so the cluster's name reads <c>{cluster}</c>.
/// </summary>
internal sealed record CallOutcome(int HttpStatus, string? Status, string? Message, string Headers, string Trailers, string Body, string? Failure)
{
    /// <summary>Headers that name the connection or the moment rather than the call, so differ between any two runs.</summary>
    private static readonly HashSet<string> Ignored = new(StringComparer.OrdinalIgnoreCase) { "date", "server", "x-request-id", "x-session", "x-remote-settings" };

    /// <param name="response">The response, whose body has been read.</param>
    /// <param name="body">The body bytes that arrived.</param>
    /// <param name="failure">How reading the body failed, or null.</param>
    /// <param name="cluster">The cluster the call went to.</param>
    public static CallOutcome From(HttpResponseMessage response, byte[] body, string? failure, string cluster)
    {
        var status = Value(response.TrailingHeaders, "grpc-status") ?? Value(response.Headers, "grpc-status");
        var message = Value(response.TrailingHeaders, "grpc-message") ?? Value(response.Headers, "grpc-message");
        return new CallOutcome(
            (int)response.StatusCode,
            status,
            Anonymous(message, cluster),
            Anonymous(Render(response.Headers, response.Content.Headers), cluster)!,
            Anonymous(Render(response.TrailingHeaders), cluster)!,
            Describe(body),
            failure);
    }

    /// <summary>What <see cref="Body"/> reads for these bytes.</summary>
    public static string Describe(byte[] body) =>
        body.Length <= 64 ? Convert.ToHexString(body) : $"{body.Length} bytes, sha256 {Convert.ToHexString(SHA256.HashData(body))}";

    public static CallOutcome NoResponse(Exception failure) => new(0, null, null, string.Empty, string.Empty, string.Empty, Describe(failure));

    /// <summary>"RST_STREAM 0xN" when an HTTP/2 reset ended the stream, else the innermost exception's type and message.</summary>
    public static string Describe(Exception failure)
    {
        for (var inner = failure; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpProtocolException protocol)
            {
                return $"RST_STREAM 0x{protocol.ErrorCode:x}";
            }
        }

        return failure.GetBaseException().GetType().Name;
    }

    private static string? Anonymous(string? text, string cluster) =>
        text is null ? null : Regex.Replace(text, $@"\b{Regex.Escape(cluster)}\b", "{cluster}");

    private static string? Value(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? string.Join(',', values) : null;

    private static string Render(params HttpHeaders[] groups) =>
        string.Join('\n', groups.SelectMany(h => h.NonValidated)
            .Where(h => !Ignored.Contains(h.Key))
            .Select(h => $"{h.Key.ToLowerInvariant()}: {string.Join(',', h.Value)}")
            .Order(StringComparer.Ordinal));
}
