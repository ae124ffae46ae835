using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace MeshProxy.IO;

/// <summary>
/// HTTP field names as the proxy handles them on every hop: lower-cased for HTTP/2 (RFC 9113 §8.2.1), checked as
/// tokens (RFC 9110 §5.6.2), and told apart when they must not be forwarded.
/// </summary>
internal static class HttpFieldNames
{
    // Lower-case copies of names collections give in mixed case: what Kestrel and HttpHeaders know, then what a peer
    // used (bounded, so a peer cannot grow it without end); a call allocates none for a name seen before.
    private const int SeenNamesLimit = 512;
    private static readonly FrozenDictionary<string, string> KnownNames = new[]
    {
        "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Access-Control-Request-Headers",
        "Access-Control-Request-Method", "Allow", "Alt-Svc", "Authorization", "Baggage", "Cache-Control", "Connection",
        "Content-Encoding", "Content-Language", "Content-Length", "Content-Location", "Content-MD5", "Content-Range",
        "Content-Type", "Cookie", "Correlation-Context", "Date", "Expect", "Expires", "From", "Grpc-Accept-Encoding",
        "Grpc-Encoding", "Grpc-Timeout", "Host", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range",
        "If-Unmodified-Since", "Keep-Alive", "Last-Modified", "Max-Forwards", "Origin", "Pragma", "Proxy-Authorization",
        "Proxy-Connection", "Range", "Referer", "Request-Id", "TE", "Traceparent", "Tracestate", "Trailer",
        "Transfer-Encoding", "Translate", "Upgrade", "Upgrade-Insecure-Requests", "User-Agent", "Via", "Warning",
    }.ToFrozenDictionary(name => name, name => name.ToLowerInvariant(), StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<string, string> SeenNames = new(StringComparer.Ordinal);

    private static readonly SearchValues<char> TokenChars = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    private static readonly SearchValues<byte> TokenBytes = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>The lower-case spelling of <paramref name="name"/>; the same instance when it has no upper case.</summary>
    public static string Lower(string name)
    {
        if (!name.AsSpan().ContainsAnyInRange('A', 'Z'))
        {
            return name;
        }

        if (KnownNames.TryGetValue(name, out var lower) || SeenNames.TryGetValue(name, out lower))
        {
            return lower;
        }

        lower = name.ToLowerInvariant();
        if (SeenNames.Count < SeenNamesLimit)
        {
            SeenNames.TryAdd(name, lower);
        }

        return lower;
    }

    /// <summary>Whether <paramref name="name"/> is a token, as a field name must be (and HttpHeaders requires).</summary>
    public static bool IsToken(ReadOnlySpan<char> name) => name.Length > 0 && !name.ContainsAnyExcept(TokenChars);

    /// <inheritdoc cref="IsToken(ReadOnlySpan{char})"/>
    public static bool IsToken(ReadOnlySpan<byte> name) => name.Length > 0 && !name.ContainsAnyExcept(TokenBytes);

    /// <summary>
    /// Connection-specific and proxy-only fields (RFC 9113 §8.2.2; RFC 9110 §7.6.1, §11.7), which a proxy never forwards
    /// either way: YARP's list, less <c>te</c>, which a request may carry as <c>trailers</c>. Takes a lower-case name.
    /// </summary>
    public static bool IsProxyOnly(string lowerName) => lowerName is "connection" or "keep-alive" or "proxy-connection"
        or "transfer-encoding" or "upgrade" or "proxy-authenticate" or "proxy-authentication-info" or "proxy-authorization"
        or "proxy-features" or "proxy-instruction" or "security-scheme" or "alpn" or "close" or "http2-settings"
        or "upgrade-insecure-requests" or "alt-svc";
}
