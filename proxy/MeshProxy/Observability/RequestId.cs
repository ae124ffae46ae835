using Microsoft.AspNetCore.Http;

namespace MeshProxy.Observability;

/// <summary>
/// <c>x-request-id</c>, as Envoy handles it: kept when the caller sent one, generated (a UUID) when absent, forwarded
/// upstream with the request and echoed to the caller on the response.
/// </summary>
internal static class RequestId
{
    public const string Header = "x-request-id";

    // An id longer than this is not an id; a fresh one protects logs and backends from an arbitrary payload.
    private const int MaxLength = 128;

    /// <summary>The call's id; a generated one is written into the request headers so the forwarder sends it upstream.</summary>
    public static string Ensure(HttpRequest request)
    {
        var values = request.Headers[Header];
        if (values.Count == 1 && values[0] is { Length: > 0 and <= MaxLength } id && IsPrintable(id))
        {
            return id;
        }

        var generated = Guid.NewGuid().ToString();
        request.Headers[Header] = generated;
        return generated;
    }

    private static bool IsPrintable(string id)
    {
        foreach (var c in id)
        {
            if (c is < '\x21' or > '\x7e')
            {
                return false;
            }
        }

        return true;
    }
}
