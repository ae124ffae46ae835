using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle;

/// <summary>
/// What a REST caller sees of one answer, reduced to what the comparison looks at: the status, the media type and
/// charset, the <c>Allow</c> header, response headers that carry gRPC metadata, and the body, parsed into its JSON
/// values (one for a unary reply, one per line or object for a stream) when it is JSON.
/// </summary>
public sealed record OracleReply(int Status, string? MediaType, string? Charset, string? Allow, IReadOnlyList<string> MetadataHeaders, string Body)
{
    /// <summary>The body's JSON values in order, canonical (sorted keys, numbers by value); null when the body is not JSON.</summary>
    public IReadOnlyList<string>? JsonValues { get; } = OracleJson.Values(Body);

    public bool IsJson => JsonValues is not null;

    /// <summary>The single JSON value of a unary body.</summary>
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public static async Task<OracleReply> CaptureAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        var contentType = response.Content.Headers.ContentType;
        var allow = response.Content.Headers.Allow.Count > 0 ? string.Join(", ", response.Content.Headers.Allow) : null;
        var metadata = response.Headers
            .Where(h => h.Key.Contains("x-oracle-", StringComparison.OrdinalIgnoreCase))
            .Select(h => $"{h.Key.ToLowerInvariant()}={string.Join(",", h.Value)}")
            .Order(StringComparer.Ordinal)
            .ToArray();
        return new OracleReply((int)response.StatusCode, contentType?.MediaType, contentType?.CharSet, allow, metadata, body);
    }

    public override string ToString()
    {
        var text = new StringBuilder()
            .Append(Status).Append(' ').Append(MediaType ?? "<no content-type>");
        if (Charset is not null)
        {
            text.Append("; charset=").Append(Charset);
        }

        if (Allow is not null)
        {
            text.Append(" Allow: ").Append(Allow);
        }

        foreach (var header in MetadataHeaders)
        {
            text.Append(' ').Append(header);
        }

        return text.Append('\n').Append(Body.Length > 2000 ? Body[..2000] + "..." : Body).ToString();
    }
}
