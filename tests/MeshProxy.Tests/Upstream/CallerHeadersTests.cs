using MeshProxy.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Tests.Upstream;

/// <summary>
/// <see cref="CallerHeaders"/> stands in for YARP's copy of the caller's headers into the upstream request, so YARP's
/// own transform is the oracle: for thousands of seeded random header sets, the fields it takes are the fields YARP's
/// copy would have put on the wire, and the cases that copy treats specially are pinned one by one.
/// </summary>
public sealed class CallerHeadersTests
{
    // Names YARP or HTTP/2 treat specially, in both spellings a server's collection gives them, beside ordinary ones.
    private static readonly string[] Names =
    [
        "Connection", "keep-alive", "Proxy-Connection", "transfer-encoding", "Transfer-Encoding", "Upgrade", "proxy-authorization",
        "Proxy-Authorization", "Proxy-Authenticate", "proxy-authentication-info", "Proxy-Features", "proxy-instruction",
        "Security-Scheme", "alpn", "Close", "http2-settings", "Upgrade-Insecure-Requests", "alt-svc", "Host", "host", "TE",
        "te", "Content-Length", "content-length", "Content-Type", "content-type", "Content-Encoding", "Allow", "Expires",
        "Last-Modified", "Content-MD5", "User-Agent", "Grpc-Accept-Encoding", "grpc-encoding", "Traceparent",
        "tracestate", "Authorization", "Cookie", "x-call-id", "x-tenant", "X-Mixed-Case", "x-trace-bin", "Via", "Accept",
    ];

    private static readonly string[] Values = ["a", "application/grpc", "42", "0", "", " spaced ", "trailers", "Trailers", "gzip, trailers", "deflate", "trailers;q=0.5", "v\nw", "v\r", "h:1", "caf\u00e9"];

    [Fact]
    public void From_RandomHeaderSets_TakesTheFieldsYarpsCopyWouldSend()
    {
        var random = new Random(7230);
        for (var i = 0; i < 3000; i++)
        {
            var context = new DefaultHttpContext();
            context.Request.Protocol = random.Next(4) == 0 ? HttpProtocol.Http11 : HttpProtocol.Http2;
            var headers = context.Request.Headers;
            for (var n = random.Next(0, 12); n > 0; n--)
            {
                var name = Names[random.Next(Names.Length)];
                var values = Enumerable.Range(0, random.Next(3) == 0 ? 2 : 1).Select(_ => Values[random.Next(Values.Length)]).ToArray();
                headers[name] = StringValues.Concat(headers[name], new StringValues(values));
            }

            var (expected, expectedAuthority) = YarpCopy(context);
            var taken = CallerHeaders.From(context.Request);

            var actual = taken.Fields.ToArray().Select(f => (f.Name, f.Value)).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
            Assert.True(expected.SequenceEqual(actual), $"set {i} ({context.Request.Protocol}): {Show(headers)}\nYARP:  {string.Join(" | ", expected)}\ntaken: {string.Join(" | ", actual)}");
            Assert.Equal(expectedAuthority, taken.Authority);
        }
    }

    [Fact]
    public void From_KnownNamesInTheServersSpelling_AreLowerCase_AndEachValueIsAField()
    {
        var context = Request(("Content-Type", ["application/grpc"]), ("Grpc-Accept-Encoding", ["gzip"]), ("x-meta", ["a", "b"]), ("X-Mixed", ["c"]));

        var taken = CallerHeaders.From(context.Request);

        Assert.Equal([new("content-type", "application/grpc"), new("grpc-accept-encoding", "gzip"), new("x-meta", "a"), new("x-meta", "b"), new("x-mixed", "c")], taken.Fields.ToArray());
    }

    [Theory]
    [InlineData("HTTP/2", "trailers", "trailers")]
    [InlineData("HTTP/2", "Trailers", "Trailers")]
    [InlineData("HTTP/2", "gzip, trailers", "trailers")]
    [InlineData("HTTP/2", "gzip", null)]
    [InlineData("HTTP/1.1", "trailers", null)]
    public void From_Te_OnlyTrailers_AndOnlyFromHttp2(string protocol, string te, string? sent)
    {
        var context = Request(("TE", [te]));
        context.Request.Protocol = protocol;

        var taken = CallerHeaders.From(context.Request);

        Assert.Equal(sent is null ? [] : [new HeaderField("te", sent)], taken.Fields.ToArray());
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void From_ContentLength_DroppedBesideTransferEncoding(bool chunked, bool kept)
    {
        var context = chunked ? Request(("Content-Length", ["5"]), ("Transfer-Encoding", ["chunked"])) : Request(("Content-Length", ["5"]));

        var taken = CallerHeaders.From(context.Request);

        Assert.Equal(kept ? [new HeaderField("content-length", "5")] : [], taken.Fields.ToArray());
    }

    [Theory]
    [InlineData(new[] { "svc.local:8080" }, "svc.local:8080")]
    [InlineData(new[] { "" }, null)]
    [InlineData(new[] { "a", "b" }, null)]
    public void From_Host_BecomesTheAuthority_NeverAField(string[] host, string? authority)
    {
        var taken = CallerHeaders.From(Request(("Host", host), ("x-a", ["1"])).Request);

        Assert.Equal(authority, taken.Authority);
        Assert.Equal([new HeaderField("x-a", "1")], taken.Fields.ToArray());
    }

    [Fact]
    public void From_GrpcTimeoutAndLineBreaksAndPseudoHeaders_AreLeftOut()
    {
        var context = Request(("Grpc-Timeout", ["5S"]), ("grpc-timeout", ["1m"]), ("x-split", ["ok", "bad\r\nx-evil: 1"]), (":path", ["/x"]), ("x-kept", ["1"]));

        var taken = CallerHeaders.From(context.Request);

        Assert.Equal([new HeaderField("x-kept", "1")], taken.Fields.ToArray());
    }

    [Fact]
    public void From_TakesTheHeadersAsTheyAreThen_LaterChangesToTheCollectionDoNotReachIt()
    {
        var context = Request(("x-a", ["1"]));
        var taken = CallerHeaders.From(context.Request);

        context.Request.Headers["x-a"] = "2";
        context.Request.Headers["x-b"] = "3";

        Assert.Equal([new HeaderField("x-a", "1")], taken.Fields.ToArray());
    }

    /// <summary>What YARP's transform copies, as the lean encoder would send it: lower-case names, grpc-timeout and Host left to the proxy.</summary>
    private static (List<(string Name, string Value)> Fields, string? Authority) YarpCopy(HttpContext context)
    {
        using var message = new HttpRequestMessage { Content = new ByteArrayContent([]) };
        HttpTransformer.Empty.TransformRequestAsync(context, message, "http://backend", CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var all = message.Headers.NonValidated.Concat(message.Content!.Headers.NonValidated)
            .SelectMany(h => h.Value.Select(v => (Name: h.Key.ToLowerInvariant(), Value: v)))
            .ToList();
        var hosts = all.Where(f => f.Name == "host").ToList();
        var authority = hosts.Count == 1 && hosts[0].Value.Length > 0 ? hosts[0].Value : null;
        var fields = all.Where(f => f.Name is not ("host" or "grpc-timeout")).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        return (fields, authority);
    }

    private static DefaultHttpContext Request(params (string Name, string[] Values)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = HttpProtocol.Http2;
        foreach (var (name, values) in headers)
        {
            context.Request.Headers[name] = values;
        }

        return context;
    }

    private static string Show(IHeaderDictionary headers) => string.Join(" | ", headers.Select(h => $"{h.Key}: {string.Join(" ; ", h.Value.ToArray())}"));
}
