using MeshProxy.IO;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace MeshProxy.Upstream;

/// <summary>
/// A caller's request headers as the lean client sends them upstream: taken once per call from the server's collection,
/// by the rules YARP's request transform copies them with, with names already lower-case for HPACK. It stands in for
/// that copy on routes whose every cluster sends through the lean client: the copy went through
/// <see cref="System.Net.Http.Headers.HttpHeaders"/> (a descriptor lookup and an entry per header, content headers
/// tried twice) only to be read back and lower-cased by the encoder, 3 % of the proxy's CPU (docs/benchmarks.md).
/// </summary>
/// <remarks>
/// Taken while the call runs, not when a try is sent: a hedge may open its stream after the caller's request has
/// ended, when the server has already reused the collection for another call. What it leaves out:
/// <list type="bullet">
/// <item>Connection-specific and proxy-only fields (RFC 9113 §8.2.2, and the list YARP drops), pseudo-headers, and
/// any field whose value holds a line break.</item>
/// <item><c>Host</c>, which becomes <see cref="Authority"/> (the caller's :authority, as Envoy keeps it).</item>
/// <item><c>te</c> other than <c>trailers</c>, and <c>te</c> altogether from a caller that is not HTTP/2.</item>
/// <item><c>content-length</c> beside <c>transfer-encoding</c> (RFC 9112 §6.3: a sign of request smuggling).</item>
/// <item><c>grpc-timeout</c>: the proxy writes the time left of the call's deadline into each try's own headers.</item>
/// </list>
/// A try's own headers (its <see cref="HttpRequestMessage"/>: <c>grpc-timeout</c>, <c>traceparent</c>,
/// <c>grpc-previous-rpc-attempts</c>) replace the caller's fields of the same name when the block is encoded.
/// </remarks>
internal sealed class CallerHeaders
{
    /// <summary>
    /// The server's collection names the fields it knows by <see cref="HeaderNames"/>' own instances, and the proxy
    /// names the request id it adds by its literal: those are told by reference, before any comparison of characters,
    /// among the few of the same length. Classifying every name by its characters was 1.1 % of the proxy's CPU; a
    /// dictionary by reference cost more still, as the runtime's identity hash of a string is not free
    /// (docs/benchmarks.md).
    /// </summary>
    private static readonly KnownName[][] KnownInstancesByLength = ByLength(
    [
        HeaderNames.Accept, HeaderNames.AcceptCharset, HeaderNames.AcceptEncoding, HeaderNames.AcceptLanguage,
        HeaderNames.AccessControlRequestHeaders, HeaderNames.AccessControlRequestMethod, HeaderNames.Authorization,
        HeaderNames.Baggage, HeaderNames.CacheControl, HeaderNames.Connection, HeaderNames.ContentLength,
        HeaderNames.ContentType, HeaderNames.Cookie, HeaderNames.CorrelationContext, HeaderNames.Date, HeaderNames.Expect,
        HeaderNames.From, HeaderNames.GrpcAcceptEncoding, HeaderNames.GrpcEncoding, HeaderNames.GrpcTimeout, HeaderNames.Host,
        HeaderNames.IfMatch, HeaderNames.IfModifiedSince, HeaderNames.IfNoneMatch, HeaderNames.IfRange,
        HeaderNames.IfUnmodifiedSince, HeaderNames.KeepAlive, HeaderNames.MaxForwards, HeaderNames.Origin, HeaderNames.Pragma,
        HeaderNames.ProxyAuthorization, HeaderNames.Range, HeaderNames.Referer, HeaderNames.RequestId, HeaderNames.TE,
        HeaderNames.TraceParent, HeaderNames.TraceState, HeaderNames.TransferEncoding, HeaderNames.Translate,
        HeaderNames.Upgrade, HeaderNames.UpgradeInsecureRequests, HeaderNames.UserAgent, HeaderNames.Via, HeaderNames.Warning,
        "x-request-id",
    ]);

    private readonly HeaderField[] _fields;
    private readonly int _count;

    private CallerHeaders(HeaderField[] fields, int count, string? authority)
    {
        _fields = fields;
        _count = count;
        Authority = authority;
    }

    /// <summary>The caller's <c>Host</c> as it came (one non-empty value), or null to use the destination's.</summary>
    public string? Authority { get; }

    /// <summary>The fields to send, in the caller's order, with lower-case names.</summary>
    public ReadOnlySpan<HeaderField> Fields => _fields.AsSpan(0, _count);

    /// <summary>Whether <paramref name="name"/> is one of the instances told by reference (tests: the server still gives them).</summary>
    internal static bool IsKnownInstance(string name) => FindKnownInstance(name) is not null;

    /// <summary>Takes the headers of <paramref name="request"/> (its <see cref="HttpRequest.Protocol"/> decides <c>te</c>).</summary>
    public static CallerHeaders From(HttpRequest request)
    {
        var headers = request.Headers;
        var fields = new HeaderField[headers.Count];
        var count = 0;
        string? authority = null;
        foreach (var (rawName, values) in headers)
        {
            var (name, kind) = FindKnownInstance(rawName)?.Rule ?? Classify(rawName);
            switch (kind)
            {
                case FieldKind.Dropped:
                    continue;
                case FieldKind.Host:
                    authority = values.Count == 1 && values[0] is { Length: > 0 } host && !HasLineBreak(values) ? host : null;
                    continue;
                case FieldKind.Te:
                    if (HttpProtocol.IsHttp2(request.Protocol) || HttpProtocol.IsHttp3(request.Protocol))
                    {
                        if (TrailersToken(values) is { } trailers)
                        {
                            Append(ref fields, ref count, new HeaderField(name, trailers));
                        }
                    }

                    continue;
                case FieldKind.ContentLength when headers.TransferEncoding.Count > 0:
                    continue;
            }

            if (HasLineBreak(values))
            {
                continue;
            }

            foreach (var value in values)
            {
                Append(ref fields, ref count, new HeaderField(name, value ?? string.Empty));
            }
        }

        return new CallerHeaders(fields, count, authority);
    }

    // One slot per name fits a call whose fields each have one value; more values grow the array.
    private static void Append(ref HeaderField[] fields, ref int count, HeaderField field)
    {
        if (count == fields.Length)
        {
            Array.Resize(ref fields, Math.Max(4, count * 2));
        }

        fields[count++] = field;
    }

    private static KnownName? FindKnownInstance(string rawName)
    {
        var byLength = KnownInstancesByLength;
        if ((uint)rawName.Length < (uint)byLength.Length)
        {
            foreach (var known in byLength[rawName.Length])
            {
                if (ReferenceEquals(known.Instance, rawName))
                {
                    return known;
                }
            }
        }

        return null;
    }

    private static KnownName[][] ByLength(string[] instances)
    {
        var byLength = new KnownName[instances.Max(name => name.Length) + 1][];
        for (var length = 0; length < byLength.Length; length++)
        {
            byLength[length] = [.. instances.Where(name => name.Length == length).Select(name => new KnownName(name, Classify(name)))];
        }

        return byLength;
    }

    /// <summary>The lower-case name and the rule of a field name as the server's collection gives it.</summary>
    private static (string Name, FieldKind Kind) Classify(string rawName)
    {
        var name = HttpFieldNames.Lower(rawName);
        var kind = name switch
        {
            "host" => FieldKind.Host,
            "te" => FieldKind.Te,
            "content-length" => FieldKind.ContentLength,
            "grpc-timeout" => FieldKind.Dropped,
            _ when name.StartsWith(':') || HttpFieldNames.IsProxyOnly(name) => FieldKind.Dropped,
            _ => FieldKind.Forwarded,
        };
        return (name, kind);
    }

    // The token as the caller wrote it, as YARP forwards it.
    private static string? TrailersToken(StringValues values)
    {
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var range in value.AsSpan().Split(','))
            {
                var token = value.AsSpan()[range].Trim(" \t");
                if (token.Equals("trailers", StringComparison.OrdinalIgnoreCase))
                {
                    return token.Length == value.Length ? value : token.ToString();
                }
            }
        }

        return null;
    }

    // YARP drops such a field whole, every value with it.
    private static bool HasLineBreak(StringValues values)
    {
        foreach (var value in values)
        {
            if (value is not null && value.AsSpan().ContainsAny('\r', '\n'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A name instance the server gives, with its lower-case spelling and rule worked out once.</summary>
    private sealed record KnownName(string Instance, (string Name, FieldKind Kind) Rule);

    private enum FieldKind
    {
        Forwarded,
        Dropped,
        Host,
        Te,
        ContentLength,
    }
}

/// <summary>One header field: a lower-case name and one value.</summary>
internal readonly record struct HeaderField(string Name, string Value);
