using MeshProxy.IO;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace MeshProxy.Upstream;

/// <summary>
/// A response's fields as the proxy reads and forwards them, wherever the client keeps them: in the message's own
/// collections, or, for a call that took the caller's headers (<see cref="CallerHeaders"/>), in the lean client's
/// <see cref="HeaderFieldList"/>s, which skip <see cref="System.Net.Http.Headers.HttpHeaders"/> both ways (a
/// descriptor lookup per field as the block is decoded, then the transform's copy out of them).
/// </summary>
/// <remarks>
/// The copy to the caller follows YARP's response transform (<c>HttpTransformer.TransformResponseAsync</c> and
/// <c>TransformResponseTrailersAsync</c>), pinned by UpstreamResponseFieldsTests with that transform as the oracle:
/// connection-specific and proxy-only fields are dropped, each field's values are appended to what the caller's
/// response already holds (a <c>strict-transport-security</c> the proxy set is kept alone), <c>content-length</c> is
/// dropped beside <c>transfer-encoding</c>, and <c>content-length: 0</c> on a status without a body.
/// </remarks>
internal static class UpstreamResponseFields
{
    /// <summary>The first value of the response header <paramref name="name"/> or null.</summary>
    public static string? First(HttpResponseMessage response, string name)
    {
        if (response.Content is Http2ResponseContent { KeepsFields: true } kept)
        {
            return kept.Fields?.First(name);
        }

        if (!response.Headers.NonValidated.TryGetValues(name, out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            return value;
        }

        return null;
    }

    /// <summary>Every value of the response header <paramref name="name"/> joined by commas; null when absent.</summary>
    public static string? Joined(HttpResponseMessage response, string name) =>
        response.Content is Http2ResponseContent { KeepsFields: true } kept
            ? kept.Fields?.Joined(name)
            : response.Headers.NonValidated.TryGetValues(name, out var values) ? string.Join(',', values) : null;

    /// <summary>
    /// Copies the response's header fields to the caller's response when the lean client kept them; false when they are
    /// in the message's collections (YARP's transform, <c>HttpTransformer</c>, copies those).
    /// </summary>
    public static bool TryCopyHeaders(HttpResponseMessage response, HttpResponse destination)
    {
        if (response.Content is not Http2ResponseContent { KeepsFields: true } kept)
        {
            return false;
        }

        if (kept.Fields is { } fields)
        {
            CopyHeaders(fields, response.StatusCode, destination.Headers);
        }

        return true;
    }

    /// <summary>Copies the response's trailer fields to the caller's trailers when the lean client kept them; false otherwise.</summary>
    public static bool TryCopyTrailers(HttpResponseMessage response, HttpContext destination)
    {
        if (response.Content is not Http2ResponseContent { KeepsFields: true } content)
        {
            return false;
        }

        if (content.TrailerFields is { } fields && destination.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { IsReadOnly: false } trailers)
        {
            Copy(fields, trailers);
        }

        return true;
    }

    /// <summary>A response's header fields onto the caller's response headers.</summary>
    internal static void CopyHeaders(HeaderFieldList fields, System.Net.HttpStatusCode status, IHeaderDictionary destination)
    {
        Copy(fields, destination);
        if (fields.Joined("content-length") is { } contentLength && (fields.First("transfer-encoding") is not null || (IsBodyless(status) && contentLength == "0")))
        {
            destination.Remove("content-length");
        }
    }

    /// <summary>Fields onto a destination (headers or trailers), appended to what it holds.</summary>
    internal static void Copy(HeaderFieldList fields, IHeaderDictionary destination)
    {
        // Whether the destination held strict-transport-security before this copy: read at the first such field.
        bool? proxySetStrictTransportSecurity = null;
        foreach (ref readonly var field in fields.Fields)
        {
            // HTTP/2 names are lower case; a server that sends otherwise is read case-insensitively, as HttpHeaders reads it.
            if (HttpFieldNames.Lower(field.Name) is var lower && (lower == "te" || HttpFieldNames.IsProxyOnly(lower)))
            {
                continue;
            }

            var current = destination[field.Name];
            if (field.Name.Equals("strict-transport-security", StringComparison.OrdinalIgnoreCase)
                && (proxySetStrictTransportSecurity ??= !StringValues.IsNullOrEmpty(current)))
            {
                continue;
            }

            destination[field.Name] = StringValues.Concat(current, field.Value);
        }
    }

    // As YARP has it: 1xx, 204 and 205 carry no content (RFC 9110 §15.2, §15.3.5, §15.3.6).
    private static bool IsBodyless(System.Net.HttpStatusCode status) => (int)status is (>= 100 and < 200) or 204 or 205;
}
