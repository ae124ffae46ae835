using System.Text;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle;

/// <summary>One REST request, sent as is to both transcoders.</summary>
/// <param name="Name">Unique; names the case in the test's display name and in the known-difference table.</param>
/// <param name="Method">The HTTP method (custom ones such as OPTIONS included).</param>
/// <param name="Path">Path and query, sent without re-encoding.</param>
/// <param name="Body">The request body; null sends none.</param>
/// <param name="ContentType">The body's Content-Type; null sends none.</param>
/// <param name="TranscoderError">
/// The error is the transcoder's own (a malformed request), not the service's: the status code, HTTP status and
/// body shape must agree, the free-text message may not (google.rpc.Status.message is developer-facing text, AIP-193).
/// </param>
public sealed record OracleCase(string Name, string Method, string Path, string? Body = null, string? ContentType = "application/json", bool TranscoderError = false)
{
    /// <summary>Request headers besides Content-Type.</summary>
    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];

    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), Path) { Version = new Version(1, 1), VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        if (Body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body));
            if (ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }

        foreach (var (name, value) in Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public override string ToString() => Name;
}
