using System.Net;
using System.Text;
using MeshProxy.IO;
using MeshProxy.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Tests.Upstream;

/// <summary>
/// The lean client keeps a proxied call's response fields out of HttpHeaders and the proxy copies them itself
/// (<see cref="UpstreamResponseFields"/>), so YARP's own response transform, fed the message the client used to build,
/// is the oracle: for thousands of seeded random responses the caller's headers and trailers come out the same.
/// </summary>
public sealed class UpstreamResponseFieldsTests
{
    private static readonly string[] Names =
    [
        "content-type", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "alt-svc",
        "proxy-authenticate", "proxy-connection", "strict-transport-security", "grpc-status", "grpc-message",
        "grpc-encoding", "grpc-retry-pushback-ms", "x-backend", "x-trace-bin", "date", "server", "expires",
        "last-modified", "allow", "content-encoding", "content-disposition", "set-cookie", "cache-control", "vary",
        "authorization", "host", "cookie", "user-agent", "Content-Length", "X-Upper", "Grpc-Status", "Connection",
    ];

    private static readonly string[] Values = ["0", "5", "application/grpc", "", "max-age=1", "chunked", "a, b", "x\u00e9"];

    private static readonly HttpStatusCode[] Statuses = [HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.ResetContent, HttpStatusCode.NotModified, HttpStatusCode.NotFound, HttpStatusCode.BadGateway];

    [Fact]
    public async Task CopyHeadersAndTrailers_RandomResponses_AsYarpsTransformCopiesTheMessageTheClientUsedToBuild()
    {
        var random = new Random(9113);
        for (var i = 0; i < 3000; i++)
        {
            var status = Statuses[random.Next(Statuses.Length)];
            var headers = Fields(random);
            var trailers = Fields(random);
            var before = random.Next(3) switch
            {
                0 => [],
                1 => new[] { ("strict-transport-security", "max-age=9") },
                _ => new[] { ("x-request-id", "r-1"), ("x-backend", "proxy") },
            };

            // YARP's transform over the message as the client built it: each field into the headers, else the content's.
            using var message = new HttpResponseMessage(status) { Content = new NoLengthContent() };
            foreach (var field in headers.Fields)
            {
                if (!message.Headers.TryAddWithoutValidation(field.Name, field.Value))
                {
                    message.Content.Headers.TryAddWithoutValidation(field.Name, field.Value);
                }
            }

            foreach (var field in trailers.Fields)
            {
                message.TrailingHeaders.TryAddWithoutValidation(field.Name, field.Value);
            }

            var expected = Context(before);
            await HttpTransformer.Empty.TransformResponseAsync(expected, message, CancellationToken.None);
            await HttpTransformer.Empty.TransformResponseTrailersAsync(expected, message, CancellationToken.None);

            var actual = Context(before);
            UpstreamResponseFields.CopyHeaders(headers, status, actual.Response.Headers);
            UpstreamResponseFields.Copy(trailers, actual.Features.Get<IHttpResponseTrailersFeature>()!.Trailers);

            var what = $"response {i} ({(int)status}): {Show(headers)} / trailers {Show(trailers)}";
            Assert.True(Show(expected.Response.Headers) == Show(actual.Response.Headers), $"{what}\nYARP: {Show(expected.Response.Headers)}\nours: {Show(actual.Response.Headers)}");
            Assert.True(Show(expected.Features.Get<IHttpResponseTrailersFeature>()!.Trailers) == Show(actual.Features.Get<IHttpResponseTrailersFeature>()!.Trailers), what);
        }
    }

    [Theory]
    [InlineData("x-backend")]
    [InlineData("grpc-status")]
    [InlineData("X-Upper")]
    [InlineData("a!#$%&'*+-.^_`|~9")]
    [InlineData("")]
    [InlineData("x backend")]
    [InlineData("x@b")]
    [InlineData("x:b")]
    [InlineData("caf\u00e9")]
    [InlineData("x\"y")]
    public void IsToken_NamesHttpHeadersTakes(string name)
    {
        using var message = new HttpResponseMessage();
        var taken = message.Headers.TryAddWithoutValidation(name, "v");

        Assert.Equal(taken, HttpFieldNames.IsToken(Encoding.Latin1.GetBytes(name)));
        Assert.Equal(taken, HttpFieldNames.IsToken(name));
    }

    [Fact]
    public void FirstAndJoined_FindTheFieldWhateverItsCase()
    {
        var fields = new HeaderFieldList();
        fields.Add("grpc-retry-pushback-ms", "10");
        fields.Add("x-a", "1");
        fields.Add("Grpc-Retry-Pushback-Ms", "20");

        Assert.Equal("10", fields.First("grpc-retry-pushback-ms"));
        Assert.Equal("10,20", fields.Joined("grpc-retry-pushback-ms"));
        Assert.Null(fields.First("grpc-status"));
        Assert.Null(fields.Joined("grpc-status"));
    }

    private static HeaderFieldList Fields(Random random)
    {
        var fields = new HeaderFieldList();
        for (var n = random.Next(0, 8); n > 0; n--)
        {
            fields.Add(Names[random.Next(Names.Length)], Values[random.Next(Values.Length)]);
        }

        return fields;
    }

    private static DefaultHttpContext Context((string Name, string Value)[] before)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseTrailersFeature>(new TrailersFeature());
        foreach (var (name, value) in before)
        {
            context.Response.Headers[name] = value;
        }

        return context;
    }

    private static string Show(HeaderFieldList fields) => string.Join(" | ", fields.Fields.ToArray().Select(f => $"{f.Name}: {f.Value}"));

    private static string Show(IHeaderDictionary headers) =>
        string.Join(" | ", headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase).Select(h => $"{h.Key.ToLowerInvariant()}: {string.Join(" ; ", h.Value.ToArray())}"));

    private sealed class TrailersFeature : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();
    }

    private sealed class NoLengthContent : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => Task.CompletedTask;

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
